/**
 * The shaft-head board in a real browser (Debian Chromium, headless): it loads with no internet,
 * follows the model live, takes an alarm acknowledgement only with the right PIN, switches to
 * English and says plainly when its data stream is gone. Screenshots go to test-output/ for a
 * person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardConfigSchema } from '../../agent/board/board-config.js';
import { BoardHttp } from '../../agent/board/board-http.js';
import type { BoardAuditEntry } from '../../agent/board/board-model.js';
import { demoPerson } from '../../agent/board/demo-board-data.js';
import { FakeBoardModel } from '../../agent/board/fake-board-model.js';
import { hashPinSync } from '../../agent/board/pin-hash.js';
import { startHttpServer, type HttpServerHandle } from '../../agent/http/http-server.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { launchChromium, type TestBrowser } from '../helpers/browser.js';

const OUTPUT = join(process.cwd(), 'test-output');
const OPERATOR = '王建国';
const PIN = '2468';
const CO_ALARM = 'analog:CO:Z-202';

describe('shaft-head board in Chromium', () => {
  const model = new FakeBoardModel();
  const audit: BoardAuditEntry[] = [];
  let board: BoardHttp;
  let server: HttpServerHandle;
  let browser: TestBrowser;
  let page: Page;
  const offsite: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const config = boardConfigSchema.parse({ operators: [{ name: OPERATOR, pinHash: hashPinSync(PIN) }], live: { heartbeatMs: 1_000, minIntervalMs: 50 } });
    board = new BoardHttp({ model, config, audit: { record: (entry) => audit.push(entry) }, logger: silentLogger() });
    server = await startHttpServer('127.0.0.1', 0, { health: () => ({ live: true, ready: true, reasons: [] }), state: () => ({}), board }, silentLogger());
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Every request the page makes must stay on the gateway: record anything that does not.
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) offsite.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    board?.close();
    await server?.close();
  });

  const headcount = () => page.locator('#headcount-now').textContent();

  it('loads in Chinese with the headcount against the quota, every asset from the gateway', async () => {
    await page.goto(server.url);
    await expect.poll(headcount).toBe('24');
    expect(await page.locator('#headcount-quota').textContent()).toBe('定员 30');
    expect(await page.locator('#headcount-label').textContent()).toBe('井下人数');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('#permit-state').textContent()).toContain('准许入井');
    expect(await page.locator('#connection').textContent()).toContain('实时');
    expect(await page.locator('#people-body tr').count()).toBe(24);
    expect(offsite).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, 'board-zh.png') });
  });

  it('shows a person entering without a reload', async () => {
    const before = await page.evaluate(() => performance.timeOrigin);
    model.personEnters(demoPerson(40, Date.now()));
    await expect.poll(headcount, { timeout: 5_000 }).toBe('25');
    expect(await page.locator('#people-body tr').count()).toBe(25);
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(before); // same page, not reloaded
  });

  it('follows people leaving and changing from patches, as a freshly loaded page shows them', async () => {
    // The page asks for patches (people as changes only); a second page loaded afterwards starts
    // from a full snapshot: both must show the very same table.
    model.personLeaves(demoPerson(40, Date.now()).card);
    const moved = { ...demoPerson(41, Date.now()), name: '赵六' };
    model.personEnters(moved);
    await expect.poll(() => page.locator('#people-body').textContent(), { timeout: 5_000 }).toContain('赵六');
    // Every column but the time underground, which each page words at its own render time.
    const rows = async (p: Page) => {
      const texts: string[] = [];
      for (const tr of await p.locator('#people-body tr').all()) texts.push((await tr.locator('td').allTextContents()).filter((_, i) => i !== 4).join('|'));
      return texts.sort();
    };
    const fresh = await browser.context.newPage();
    await fresh.goto(server.url);
    await expect.poll(() => fresh.locator('#headcount-now').textContent()).toBe(await headcount());
    await expect.poll(() => rows(page)).toEqual(await rows(fresh));
    expect(board.stats().live.patchesSent).toBeGreaterThan(0); // the first page did follow patches
    await fresh.close();
  });

  it('refuses a wrong PIN and changes nothing', async () => {
    await page.locator(`[data-alarm-key="${CO_ALARM}"] button.ack`).click();
    await expect.poll(() => page.locator('#pin-dialog').isVisible()).toBe(true);
    await page.locator('#pin-operator').fill(OPERATOR);
    await page.locator('#pin-code').fill('0000');
    await page.locator('#pin-submit').click();
    await expect.poll(() => page.locator('#pin-message').textContent()).toContain('PIN 不正确');
    expect(await page.locator('#pin-dialog').isVisible()).toBe(true);
    expect(model.alarm(CO_ALARM)?.state).toBe('active_unacked');
    expect(await page.locator(`[data-alarm-key="${CO_ALARM}"]`).getAttribute('data-state')).toBe('active_unacked');
    expect(audit.at(-1)).toMatchObject({ operator: OPERATOR, action: 'acknowledge_alarm', result: 'wrong_pin', params: { key: CO_ALARM } });
  });

  it('acknowledges the alarm with the right PIN, and audits it', async () => {
    await page.locator('#pin-code').fill(PIN);
    await page.locator('#pin-submit').click();
    await expect.poll(() => page.locator('#pin-dialog').isVisible()).toBe(false);
    await expect.poll(() => page.locator(`[data-alarm-key="${CO_ALARM}"]`).getAttribute('data-state')).toBe('active_acked');
    expect(model.alarm(CO_ALARM)).toMatchObject({ state: 'active_acked', acknowledgedBy: OPERATOR });
    expect(audit.at(-1)).toMatchObject({ operator: OPERATOR, action: 'acknowledge_alarm', result: 'applied', params: { key: CO_ALARM } });
  });

  it('switches to English, and remembers it after a reload', async () => {
    await page.locator('#lang-switch').click();
    await expect.poll(() => page.locator('#headcount-label').textContent()).toBe('Underground');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#headcount-quota').textContent()).toBe('Quota 30');
    expect(await page.locator('#permit-state').textContent()).toContain('ENTRY PERMITTED');
    await page.screenshot({ path: join(OUTPUT, 'board-en.png') });
    await page.reload();
    await expect.poll(() => page.locator('#headcount-label').textContent()).toBe('Underground');
    await page.goto(`${server.url}/?lang=zh`);
    await expect.poll(() => page.locator('#headcount-label').textContent()).toBe('井下人数');
  });

  it('shows a ban, a suspension and an unknown count as such (never as 0)', async () => {
    model.setWeatherBan({ kind: 'upstream_alert', detail: { zh: '暴雨蓝色预警', en: 'rainstorm warning, blue' }, since: Date.now() - 600_000, by: null });
    model.setSuspension({ active: true, orderRef: 'HLJ-2024-017', maxPerShift: 20, maxPerWorkLocation: 10, since: Date.now() - 86_400_000 });
    model.setPositioningKnown(false);
    model.setUplink({ connected: false, backlogRows: 18_342, oldestBacklogAt: Date.now() - 3 * 3_600_000 });
    await expect.poll(headcount).toBe('未知');
    expect(await page.locator('#permit-state').textContent()).toContain('禁止入井');
    expect(await page.locator('#permit-reasons').textContent()).toContain('人员定位数据中断');
    expect(await page.locator('#ban-banner').isVisible()).toBe(true);
    expect(await page.locator('#suspension-banner').textContent()).toContain('停工停产整改');
    expect(await page.locator('#areas').textContent()).not.toMatch(/\b0\b/);
    await page.screenshot({ path: join(OUTPUT, 'board-ban-unknown-zh.png') });
    model.setWeatherBan(null);
    model.setSuspension({ active: false, orderRef: null, maxPerShift: null, maxPerWorkLocation: null, since: null });
    model.setPositioningKnown(true);
    model.setUplink({ connected: true, backlogRows: 0, oldestBacklogAt: null });
  });

  it('puts the evacuation list over the whole screen', async () => {
    model.setEvacuation({ zh: '7号采场 CO 超限，紧急撤离', en: 'CO over limit at stope 7: evacuate' });
    await expect.poll(() => page.locator('#evacuation').isVisible()).toBe(true);
    expect(await page.locator('#evacuation-count').textContent()).toBe('井下共 25 人');
    await page.screenshot({ path: join(OUTPUT, 'board-evacuation-zh.png') });
    model.setEvacuation(null);
    await expect.poll(() => page.locator('#evacuation').isVisible()).toBe(false);
  });

  it('says plainly when the data stream is gone', async () => {
    board.close(); // ends the live streams and their heartbeats, as a hung or unplugged gateway would
    await server.close();
    await expect.poll(() => page.locator('#stale-banner').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#stale-banner').textContent()).toContain('数据中断');
    expect(await page.locator('#connection').textContent()).not.toContain('实时');
    // A greyed "准许入井" could still be read as permission from across the room: it must say unknown.
    expect(await page.locator('#permit-state').textContent()).toContain('许可状态未知');
    await page.screenshot({ path: join(OUTPUT, 'board-stale-zh.png') });
  });
});
