/** Chinese labels shared by views. */
export const LEVEL_LABELS = {
  district: '区',
  street: '街道',
  community: '社区',
  grid: '网格',
  compound: '小区',
  building: '楼栋',
} as const;

export const ROLE_HOME = { wall: '/wall', leader: '/', dispatcher: '/dispatch', gridworker: '/dispatch', admin: '/admin' } as const;
