// The browser objects the board uses, named in one place. The project's lint setup knows no browser
// globals (it lints Node code); importing them from here keeps every other file checkable as-is.
export const { document, window, localStorage, EventSource, fetch, URLSearchParams, setTimeout, clearTimeout, setInterval } = globalThis;
