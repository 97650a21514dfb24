// @vitest-environment happy-dom
import { createApp, h } from 'vue';
import { describe, expect, it } from 'vitest';
import type { Incident } from '@contract/incidents.ts';
import SlaBoard from './SlaBoard.vue';

const incident = (id: string, slaState: Incident['slaState']): Incident =>
  ({
    id,
    slaState,
    class: '市容环境',
    address: `地址${id}`,
    stage: 'handling',
    escalationLevel: 0,
    deadline: '2026-11-30T02:00:00.000Z',
  }) as Incident;

function render(incidents: Incident[], limit?: number): string[] {
  const el = document.createElement('div');
  createApp({ render: () => h(SlaBoard, { incidents, now: Date.parse('2026-11-30T01:00:00.000Z'), limit }) }).mount(el);
  return [...el.querySelectorAll('li')].map(
    (li) => `${li.className}:${(li.querySelector('.what')?.textContent ?? li.textContent ?? '').trim()}`,
  );
}

describe('SLA board', () => {
  it('lists the first cases not on time, up to the limit, in the order given', () => {
    const list = [incident('1', 'red'), incident('2', 'ok'), incident('3', 'amber'), incident('4', 'red'), incident('5', 'amber')];
    expect(render(list, 3)).toEqual([
      'red:市容环境 · 地址1',
      'amber:市容环境 · 地址3',
      'red:市容环境 · 地址4',
      'more:共 4 件（超时 2，临期 2），显示最紧急的 3 件',
    ]);
    expect(render(list)).toHaveLength(4);
  });

  it('says how many there are in all when the list is cut', () => {
    const list = [incident('1', 'red'), incident('2', 'amber'), incident('3', 'red'), incident('4', 'ok')];
    expect(render(list, 2).at(-1)).toBe('more:共 3 件（超时 2，临期 1），显示最紧急的 2 件');
    expect(render(list, 5)).toHaveLength(3); // all shown: nothing to add
  });

  it('says so when every case is on time', () => {
    expect(render([incident('1', 'ok')])).toEqual(['none:暂无临期或超时案件']);
  });
});
