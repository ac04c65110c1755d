// Benchmarks need it too and only bench/ is compiled, so it lives there.
export { freePort } from '../../bench/support/free-port.js';
