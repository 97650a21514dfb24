import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { maskIncident, maskName, maskPhone, maskText } from './masking.ts';

/** Words around the numbers: Chinese text with no digits or Latin letters, as a description reads. */
const words = fc.constantFrom(
  '',
  '居民反映',
  '请联系',
  '电话',
  '，',
  '。',
  '：',
  '楼下垃圾堆积，',
  '联系人王某 ',
  '（',
  '）',
  '身份证',
  '卡号',
);
const sep = fc.constantFrom('', '-', ' ', '.');
const fullWidth = (s: string): string => s.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
const digitsOf = (s: string): string =>
  s.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, '');
const digitString = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

/** Each generated personal number in its written form, and its digits. */
const mobile = fc
  .tuple(fc.constantFrom('3', '5', '7', '8', '9'), digitString(9), sep, fc.constantFrom('', '+86', '+86 ', '0086', '0086-'), fc.boolean())
  .map(([second, rest, s, prefix, wide]) => {
    const n = `1${second}${rest}`;
    const written = prefix + [n.slice(0, 3), n.slice(3, 7), n.slice(7)].join(s);
    return { written: wide ? fullWidth(written) : written, secret: n.slice(3, 7), digits: n };
  });
const landline = fc
  .tuple(
    fc.constantFrom('0746', '0731', '010', '021', '0755'),
    fc.constantFrom(7, 8),
    fc.constantFrom('paren', 'dash', 'space', 'none'),
    fc.integer({ min: 2, max: 9 }),
  )
  .chain(([area, length, style, first]) =>
    digitString(length - 1).map((rest) => {
      const local = `${first}${rest}`;
      const written =
        style === 'paren'
          ? `（${area}）${local}`
          : style === 'dash'
            ? `${area}-${local}`
            : style === 'space'
              ? `${area} ${local}`
              : area + local;
      return { written, secret: local.slice(0, -2), digits: area + local };
    }),
  );
const idNumber = fc
  .tuple(
    fc.integer({ min: 110000, max: 659999 }),
    fc.date({ min: new Date('1930-01-01'), max: new Date('2020-12-31'), noInvalidDate: true }),
    digitString(3),
    fc.constantFrom('0', '7', 'X', 'x'),
    fc.boolean(),
  )
  .map(([region, birth, seq, check, old]) => {
    const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
    const n = old ? `${region}${ymd.slice(2)}${seq}` : `${region}${ymd}${seq}${check}`;
    return { written: n, secret: n.slice(3, 12), digits: n.replace(/\D/g, '') };
  });
const luhnCheck = (body: string): string => {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
};
const bankCard = fc.tuple(fc.integer({ min: 16, max: 19 }), fc.boolean()).chain(([length, spaced]) =>
  digitString(length - 3).map((rest) => {
    const n = `62${rest}${luhnCheck(`62${rest}`)}`;
    const written = spaced ? n.replace(/(\d{4})(?=\d)/g, '$1 ') : n;
    return { written, secret: n.slice(0, -4), digits: n };
  }),
);

describe('masking personal data', () => {
  it('keeps the surname only', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('李*');
    expect(maskName('  ')).toBe('');
  });

  it('keeps the first three and last four digits of a mobile number field', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('138-1234-5678')).toBe('138****5678');
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678');
    expect(maskPhone('１３８１２３４５６７８')).toBe('138****5678');
    expect(maskPhone('07468881234')).toBe('*******1234');
    expect(maskPhone('')).toBe('');
  });

  it('masks each kind of personal number in free text and keeps the text readable', () => {
    expect(maskText('居民王某电话13812345678，请尽快处理')).toBe('居民王某电话138****5678，请尽快处理');
    expect(maskText('联系 +86 138-1234-5678')).toBe('联系 +86 138-****-5678');
    expect(maskText('座机（0746）8881234')).toBe('座机（0746）*****34');
    expect(maskText('身份证43110319900101123X')).toBe('身份证431***********123*');
    expect(maskText('卡号 6222 0202 0000 1234 562')).toBe('卡号 **** **** **** ***4 562');
    expect(maskText('邮箱 zhang.san@example.com 已回复')).toBe('邮箱 z********@example.com 已回复');
    expect(maskText('华源府第3栋2单元501室漏水')).toBe('华源府第3栋*单元***室漏水');
    expect(maskText('5号楼602室')).toBe('5号楼***室');
  });

  it('leaves what is not personal: case numbers, unit codes, dates, times, counts', () => {
    const plain =
      '重复上报，并入案件 2026120800001；派遣至 P431103003004001；网格 431103003004001 小区 431103003004001001 楼栋 43110300300400100101；2026-12-08 09:30 共 3 件，12.5 米';
    expect(maskText(plain)).toBe(plain);
  });

  it('masks generated mobiles, landlines, ID and bank card numbers in any written form, touching nothing around them', () => {
    fc.assert(
      fc.property(words, fc.oneof(mobile, landline, idNumber, bankCard), words, (before, n, after) => {
        const text = `${before}${n.written}${after}`;
        const masked = maskText(text);
        expect(digitsOf(masked)).not.toContain(n.digits);
        expect(digitsOf(masked)).not.toContain(n.secret);
        expect(masked.startsWith(before)).toBe(true);
        expect(masked.endsWith(after)).toBe(true);
        expect(masked.length).toBe(text.length); // same shape: readable, nothing shifted
      }),
      { numRuns: 2000, seed: 431103 },
    );
  });

  it('masks every free-text field of a case for masked readers, and drops its photo', () => {
    const c = {
      ...incidentFixture({ description: '我的手机 139 8888 7777', address: '通化街3栋1单元202室' }),
      reporterName: '张三',
      reporterPhone: '13988887777',
      photoUrl: 'https://example.com/p.jpg',
      timeline: [
        {
          seq: 1,
          incidentId: 'x',
          type: 'report' as const,
          actorId: 'a',
          actorName: '调度员',
          at: '2026-11-30T01:00:00Z',
          fromStage: null,
          toStage: 'reported' as const,
          note: '回访电话0746-8881234',
        },
      ],
    };
    const m = maskIncident(c);
    expect(m).toMatchObject({
      reporterName: '张*',
      reporterPhone: '139****7777',
      description: '我的手机 139 **** 7777',
      address: '通化街3栋*单元***室',
      photoUrl: null,
    });
    expect(m.timeline[0]!.note).toBe('回访电话0746-*****34');
  });
});
