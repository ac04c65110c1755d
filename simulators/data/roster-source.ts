/**
 * Builds the simulated roster deterministically from a seed: 16 crews of 39 (624 people), one
 * duty leader (带班领导) per crew, four special operators per crew, contractor crews C13–C16, and
 * the people the scenarios need: a few with expired or missing training and a few labour-dispatch
 * workers (劳务派遣), who must be refused underground (measures 24, 35, 36).
 */
import { Prng } from '../devices/prng.js';
import { CONTRACTOR_CREWS, CREWS } from './mine-layout-source.js';
import type { Person } from './roster.js';

export const ROSTER_SEED = 2024;
export const FIRST_CARD = 100001;
const PEOPLE_PER_CREW = 39;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘';
const SPECIAL_CERTIFICATES = ['hoist_operator', 'blaster', 'electrician', 'gas_inspector', 'ventilation_operator', 'drainage_operator'] as const;

/** Index within the roster (0-based) → what is special about that person, for the scenarios. */
const EXPIRED_TRAINING = new Map([[57, '2024-09-30'], [203, '2024-10-31'], [411, '2024-06-30'], [590, '2024-11-10']]);
const NEVER_TRAINED = new Set([88, 333, 517]);
const LABOUR_DISPATCH = new Set([35, 121, 262, 388, 470]);

export function buildRoster(seed = ROSTER_SEED): Person[] {
  const prng = new Prng(seed);
  const usedNames = new Set<string>();
  const name = (): string => {
    for (;;) {
      const given = prng.pick([...GIVEN]) + (prng.next() < 0.6 ? prng.pick([...GIVEN]) : '');
      const candidate = prng.pick([...SURNAMES]) + given;
      if (!usedNames.has(candidate)) {
        usedNames.add(candidate);
        return candidate;
      }
    }
  };
  const people: Person[] = [];
  for (const crew of CREWS) {
    for (let member = 0; member < PEOPLE_PER_CREW; member++) {
      const index = people.length;
      const role: Person['role'] = member === 0 ? 'leader' : member <= 4 ? 'special_operator' : 'worker';
      const certificates: string[] = [];
      if (role === 'leader') certificates.push('safety_management');
      if (role === 'special_operator') certificates.push(SPECIAL_CERTIFICATES[(index + member) % SPECIAL_CERTIFICATES.length]!);
      // Far enough ahead that the demo, run on today's clock, sees trained people; the expired and never-trained
      // cases are explicit below.
      const validUntil = `${prng.int(2030, 2032)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
      people.push({
        card: FIRST_CARD + index,
        name: name(),
        role,
        crew: crew.id,
        employerType: LABOUR_DISPATCH.has(index) ? 'labour_dispatch' : CONTRACTOR_CREWS.has(crew.id) ? 'contractor' : 'own',
        trainingValidUntil: NEVER_TRAINED.has(index) ? null : (EXPIRED_TRAINING.get(index) ?? validUntil),
        certificates,
      });
    }
  }
  return people;
}
