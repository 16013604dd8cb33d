/** Word lists beside the lexicon: never-a-name words, number words, and the keywords typos are matched to. */

/** Words that are never a service, model or runbook name, whatever their position. */
export const STOP = new Set(
  `service services svc svcs app apps application applications
  system systems prod production staging stage dev env environment
  k8s kubernetes server servers host hosts box boxes stuff thing things something anything nothing me it its there here
  back out up down off over more less fewer much many few lot
  lots bit little same other another last past previous prior next
  current currently latest recent new old first second third
  today tonight tomorrow week day hour minute time times moment
  right now then than too very really quite pretty kind sort like as such so just only even still also yet please
  is are was were be been am being do does did have has had can could would will should may might must shall
  i you we they he she us them him her my our your their mine ours yours one ones
  what which who whom whose when where why how whats hows that's there's here's let's lets
  going get got make made take took put let tell see look know
  think want need needs wanted seems seem looks keep keeps kept
  doing done happen happened happens happening go goes went gone come came say said use used using try tried trying
  and or but nor if then because since while though although unless until so
  fix fixed fixing help helps ok okay yes no not none nope yeah yep hey hi hello thanks thank cheers pls plz
  instance number count amount level value rate percent traffic load
  replica replicas pod pods deployment deployments container containers node nodes cluster namespace
  again anymore currently really actually maybe probably perhaps
  asap quick quickly immediately fast slowly carefully safely
  team folks guys everyone anyone someone somebody anybody nobody person people user users customer customers
  bot opsbot assistant fyi btw lol hmm um uh er well alright sure cool great good bad fine
  data metrics metric graph graphs chart charts logs log report
  reports overall looking holding doing going seeing getting
  having running performing behaving acting feeling working responding serving happening showing returning throwing
  started starting start end ending begin beginning wait waiting mode admin root approval permission access details info
  summary result results output anything everything something nothing whatever way side part stuff while yet
  instead rather first second`.split(/\s+/),
);

export const NUMBER_WORDS = new Map<string, number>([
  ['zero', 0],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
  ['six', 6],
  ['seven', 7],
  ['eight', 8],
  ['nine', 9],
  ['ten', 10],
  ['eleven', 11],
  ['twelve', 12],
  ['thirteen', 13],
  ['fourteen', 14],
  ['fifteen', 15],
  ['sixteen', 16],
  ['seventeen', 17],
  ['eighteen', 18],
  ['nineteen', 19],
  ['twenty', 20],
  ['thirty', 30],
  ['forty', 40],
  ['fifty', 50],
  ['sixty', 60],
  ['ninety', 90],
  ['hundred', 100],
  ['couple', 2],
  ['few', 3],
]);

/**
 * Keywords a typo may be matched to (edit distance 1, or 2 for long words). Only words people
 * type as commands: common English words close to them ("start", "stats") are never corrected.
 */
export const FUZZY_TARGETS: readonly string[] = [
  'restart',
  'reboot',
  'rollback',
  'revert',
  'flush',
  'purge',
  'scale',
  'runbook',
  'runbooks',
  'status',
  'health',
  'anomaly',
  'anomalies',
  'outliers',
  'investigate',
  'approve',
  'deny',
  'reject',
  'cancel',
  'abort',
  'acknowledge',
  'resolve',
  'retrain',
  'train',
  'promote',
  'freeze',
  'unfreeze',
  'incident',
  'incidents',
  'postmortem',
  'replicas',
  'instances',
  'cache',
  'models',
  'jobs',
  'help',
  'deployment',
  'playbook',
  'diagnose',
  'troubleshoot',
  'recycle',
];
