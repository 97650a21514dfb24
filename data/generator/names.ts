/**
 * Synthetic names. People are obviously fictitious ("陈某辰": surname + 某 + a cyclical
 * character), so no real person is ever shown; places get plausible compound names.
 */
import type { Random } from '../../server/src/domain/random.ts';

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const MARKS = [...'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥春夏秋冬梅兰竹菊东南西北'];

export function personName(random: Random): string {
  return `${random.pick(SURNAMES)}某${random.pick(MARKS)}`;
}

const COMPOUND_PREFIXES = [
  ...'翠竹 梅湾 滨江 潇湘 湘江 零陵 锦绣 金色 阳光 和平 幸福 东风 南苑 北辰 凤凰 紫荆 梧桐 珊瑚 曲河 岚山 嘉园 盛世 华府 御景 碧水 青山 银杏 丹桂 玉兰 芙蓉 星城 永兴 富康 安居 康乐 长青 红星 建设 人民 友谊 新华 文昌 育才 书香 华源 恒森 帝王 潇水 泰和 金辉 龙湾 江景 福临 瑞丰 乐园 民生 电力 教师 铁路 供销'.split(
    ' ',
  ),
];
const COMPOUND_SUFFIXES = ['小区', '花园', '家园', '新村', '公寓', '苑', '名城', '雅居', '佳苑', '豪庭', '城', '府'];
const PHASES = ['', '二期', '三期', '四期', '五期'];

/** Unique compound names, deterministic for a seed. */
export function createCompoundNamer(random: Random): () => string {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const base = `${random.pick(COMPOUND_PREFIXES)}${random.pick(COMPOUND_SUFFIXES)}`;
      const phase = PHASES.find((p) => !used.has(base + p));
      if (phase !== undefined) {
        used.add(base + phase);
        return base + phase;
      }
    }
  };
}

const CN_DIGITS = '零一二三四五六七八九';

/** 1 → 一, 12 → 十二, 21 → 二十一 (up to 99). */
export function chineseNumber(n: number): string {
  if (n < 10) return CN_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : CN_DIGITS[tens]}十${ones ? CN_DIGITS[ones] : ''}`;
}
