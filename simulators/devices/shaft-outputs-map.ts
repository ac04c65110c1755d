/**
 * Register map of the simulated shaft-head output module (井口输出): the relay module that drives
 * the siren, the lamps and the entry-permit signal to the cage/gate controller. Everything powers
 * up off — including the permit: "not permitted" until the agent says otherwise.
 */
import { coil, intInput, type MapEntry } from './register-map.js';

export const SHAFT_OUTPUTS_MAP: readonly MapEntry[] = [
  coil(0, 'siren', '声光报警器', 'siren and beacon at the shaft head (1 = sounding)'),
  coil(1, 'alarm_lamp', '报警灯', 'red alarm lamp (1 = lit)'),
  coil(2, 'entry_permit', '允许入井', 'entry permit to the cage/gate/turnstile controller (1 = permitted, 0 = not permitted; off at power-up)'),
  coil(3, 'ban_lamp', '禁止入井指示灯', '"no entry" lamp at the gate (1 = lit)'),
  intInput('uint16', { address: 0, id: 'coil_writes', nameZh: '输出写入次数', meaning: 'coil writes that changed an output, since power-up (wraps at 65535)' }),
];
