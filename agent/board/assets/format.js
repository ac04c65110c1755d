// Numbers and times as a shift leader reads them. null is "未知 / unknown", never 0.
import { t } from './i18n.js';

export function count(lang, value) {
  return value === null || value === undefined ? t(lang, 'unknown') : String(value);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** 14:05 (or 14:05:09 with seconds); the screen's local time zone, which is the mine's. */
export function clock(epochMs, withSeconds = false) {
  if (epochMs === null || epochMs === undefined) return '—';
  const d = new Date(epochMs);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}

/** "3小时05分" / "3 h 05 min"; "45秒" for under a minute. */
export function duration(lang, ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return t(lang, 'unknown');
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const sep = lang === 'zh' ? '' : ' ';
  if (totalSeconds < 60) return `${totalSeconds}${sep}${t(lang, 'seconds')}`;
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}${sep}${t(lang, 'minutes')}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}${sep}${t(lang, 'hours')}${sep}${pad(minutes % 60)}${sep}${t(lang, 'minutes')}`;
  return `${Math.floor(hours / 24)}${sep}${t(lang, 'days')}`;
}

/** below / at / over quota, or unknown; the words say it, the colour only repeats it. */
export function quotaLevel(now, quota) {
  if (now === null || now === undefined) return 'unknown';
  if (quota === null || quota === undefined) return 'ok';
  if (now > quota) return 'over';
  if (now === quota) return 'at';
  return 'ok';
}
