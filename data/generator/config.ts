/** Inputs of the demo layout: the seed and the 20 communities named in docs/design.md §1. */
export const SEED = 431103;

export const TOTAL_GRIDS = 304;

/** Community NBS codes per street office, as docs/design.md §1 lists them. */
export const COMMUNITIES_BY_STREET: Readonly<Record<string, readonly string[]>> = {
  '431103001': ['431103001006', '431103001005', '431103001002'], // 梅湾: 翠竹园 梅湾 三多亭
  '431103002': ['431103002006', '431103002005'], // 菱角山: 文昌阁 忠烈
  '431103003': ['431103003004', '431103003005'], // 肖家园: 通化街 又一村
  '431103004': ['431103004005', '431103004004'], // 杨家桥: 狮子口 伍家院
  '431103005': ['431103005004', '431103005001', '431103005005'], // 梧桐: 梧桐 紫荆 白竹亭
  '431103006': ['431103006006', '431103006005'], // 凤凰: 凤凰 湖塘
  '431103007': ['431103007001', '431103007002'], // 珊瑚: 凌云 长冲
  '431103008': ['431103008003', '431103008001'], // 曲河: 曲河 前进
  '431103009': ['431103009007', '431103009008'], // 岚角山: 岚角山 楚江圩
};

/** Demonstration sites (示范点) with the theme each shows. */
export const DEMONSTRATION_COMMUNITIES: Readonly<Record<string, string>> = {
  '431103003004': '党建引领“三三模式”示范社区',
  '431103007001': '红色物业示范社区',
  '431103001006': '网格党支部标准化建设示范社区',
  '431103004005': '在职党员进社区示范点',
};

/** Urban core: ≈ 5.2 km × 6.8 km, blocks ≈ 135 m apart, ≈ 5 compounds per grid. */
export const CORE_SHAPE = { radiusX: 2600, radiusY: 3400, spacing: 128 } as const;
