/**
 * The mine systems a device can belong to. Its own module so that config/schema.ts and
 * config/rules-schema.ts (which schema.ts plugs in as `interlocks`) can both use it without an
 * import cycle between them.
 */
export const SYSTEM_KINDS = [
  'personnel_positioning', // 人员定位
  'safety_monitoring', // 安全监测监控
  'communication', // 通信联络
  'compressed_air', // 压风自救
  'water_supply', // 供水施救
  'weather', // 气象
  'outputs', // 井口输出 (sirens, lamps, permit, LED board)
] as const;
