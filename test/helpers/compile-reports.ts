// Monthly reports as units write them, for the compilation tests: by-task headings, run-in
// headings, free prose, a table, a one-task unit, a text PDF, a scan with no editable version.
// The file name's suffix says which format LibreOffice makes of it.

export interface UnitReportFixture {
  unit: string;
  from: string;
  /** Source name; ends in -docx, -doc or -pdf: the format LibreOffice converts it to. */
  file: string;
  /** The attachment's extension as mailed (a .doc sent as .wps, as WPS Office names it). */
  extension: string;
  receivedAt: string;
  contact: string;
  phone: string;
  blocks: (string | string[][])[];
  /** Only the sealed scan came. */
  scanOnly?: boolean;
}

export const unitReports: UnitReportFixture[] = [
  {
    unit: "市生态环境局",
    from: "sthjj@163.com",
    file: "sthjj-docx",
    extension: "docx",
    receivedAt: "2023-05-10T09:12:00",
    contact: "王芳",
    phone: "0311-86901234",
    blocks: [
      "石家庄市生态环境局关于2023年4月份生态文明建设工作进展情况的报告",
      "市生态文明建设领导小组办公室：",
      "一、持续开展蓝天保卫战",
      "4月份，我局实施臭氧污染防治攻坚行动，检查涉VOCs企业126家，督促整改问题31个。",
      "开展柴油货车路检路查，抽测柴油货车860辆，查处超标车辆12辆。",
      "二、深入打好碧水保卫战",
      "加强入河排污口监督管理，完成入河排污口整治12个。",
      "三、下一步工作打算",
      "继续抓好各项任务落实，确保完成全年目标任务。",
      "联系人：王芳  联系电话：0311-86901234",
      "石家庄市生态环境局",
      "2023年5月10日",
    ],
  },
  {
    unit: "市水利局",
    from: "slj@163.com",
    file: "slj-doc",
    extension: "doc",
    receivedAt: "2023-05-11T15:40:00",
    contact: "张伟",
    phone: "13803110001",
    blocks: [
      "市水利局2023年4月生态文明建设工作进展情况",
      [
        ["序号", "重点任务", "进展情况"],
        ["1", "深入打好碧水保卫战", "开展河道非法采砂专项整治，拆除违建3处。"],
        ["2", "巩固提升地下水超采治理成果", "完成生态补水0.3亿立方米，关停自备井42眼。"],
      ],
    ],
  },
  {
    unit: "市发展改革委",
    from: "fgw@163.com",
    file: "fgw-docx",
    extension: "docx",
    receivedAt: "2023-05-12T10:05:00",
    contact: "李娜",
    phone: "13803110003",
    blocks: [
      "市发展改革委4月份工作进展情况",
      "印发重点行业碳达峰实施方案，推进碳达峰十大专项行动。",
      "整县屋顶分布式光伏开发试点新增装机8万千瓦，抽水蓄能项目稳步推进。",
      "组织召开全委干部大会，传达学习上级会议精神。",
    ],
  },
  {
    unit: "市统计局",
    from: "tjj@163.com",
    file: "tjj-doc",
    extension: "wps",
    receivedAt: "2023-05-12T16:30:00",
    contact: "赵强",
    phone: "13803110002",
    blocks: [
      "市统计局4月份工作进展情况",
      "配合省统计局做好2022年度碳排放统计核算数据审核。",
      "本月召开全局统计业务培训会一次。",
    ],
  },
  {
    unit: "正定县",
    from: "zdxsthj@163.com",
    file: "zhengding-docx",
    extension: "docx",
    receivedAt: "2023-05-30T08:50:00",
    contact: "刘洋",
    phone: "13803110004",
    blocks: [
      "正定县2023年4月生态文明建设工作进展情况",
      "一、重点任务进展",
      "（一）蓝天保卫战。完成建筑工地扬尘专项检查45次，清理道路积尘120公里。",
      "（二）碧水保卫战。完成县城黑臭水体排查，国考断面水质稳定达标。",
    ],
  },
  {
    unit: "市林业局",
    from: "lyj@163.com",
    file: "lyj-docx",
    extension: "docx",
    receivedAt: "2023-05-15T11:00:00",
    contact: "陈静",
    phone: "13803110005",
    blocks: [],
    scanOnly: true,
  },
  {
    unit: "高新区管委会",
    from: "gxq@163.com",
    file: "gxq-pdf",
    extension: "pdf",
    receivedAt: "2023-05-16T14:20:00",
    contact: "周敏",
    phone: "13803110006",
    blocks: [
      "高新区管委会4月份工作进展情况",
      "一、科学实施国土绿化行动",
      "完成营造林绿化0.8万亩，其中封山育林0.3万亩，森林防火未发生火情。",
    ],
  },
];
