/**
 * The words the rules know: each maps to a keyword class and a grammatical form. Intents are
 * decided from classes, never from whole sentences; synonyms are one more word in a list here.
 * Phrases read as one word are in phrases.ts; stop words, number words and typo targets in word-lists.ts.
 */
export type Kw =
  // remediation verbs
  | 'restart'
  | 'rollback'
  | 'clear'
  | 'scale'
  | 'amount'
  | 'run'
  // other command words
  | 'help'
  | 'status'
  | 'state'
  | 'anomaly'
  | 'detect'
  | 'investigate'
  | 'problem'
  | 'approve'
  | 'deny'
  | 'cancel'
  | 'ack'
  | 'resolve'
  | 'mark'
  | 'train'
  | 'promote'
  | 'freeze'
  | 'unfreeze'
  | 'lift'
  | 'pause'
  | 'resume'
  | 'search'
  | 'show'
  | 'check'
  | 'light'
  // nouns
  | 'cache'
  | 'runbook'
  | 'model'
  | 'job'
  | 'incident'
  | 'postmortem'
  | 'request'
  | 'replica'
  | 'deploy'
  | 'version'
  | 'remediation'
  | 'all'
  | 'dryrun'
  | 'fire'
  // function words
  | 'qword'
  | 'aux'
  | 'modal'
  | 'neg'
  | 'polite'
  | 'subj'
  | 'hypo'
  | 'already'
  | 'prep'
  | 'conj'
  | 'det'
  | 'pron'
  | 'inject';

/** base: imperative/infinitive; past: report; ing: progressive; s: third person or plural noun; noun. */
export type Form = 'base' | 'past' | 'ing' | 's' | 'noun';

export interface Entry {
  readonly k: Kw;
  readonly f: Form;
}

const table = new Map<string, Entry>();

function add(k: Kw, f: Form, words: string): void {
  for (const w of words.split(' ')) if (w && !table.has(w)) table.set(w, { k, f });
}

/** Verb families: base forms, then past, -ing and -s forms (reports and nouns, never imperatives). */
function verb(k: Kw, base: string, past: string, ing: string, s: string): void {
  add(k, 'base', base);
  add(k, 'past', past);
  add(k, 'ing', ing);
  add(k, 's', s);
}

verb(
  'restart',
  'restart re-start bounce kick recycle reboot cycle',
  'restarted bounced kicked recycled rebooted cycled',
  'restarting bouncing kicking recycling rebooting cycling',
  'restarts bounces kicks recycles reboots cycles',
);
verb(
  'rollback',
  'rollback roll-back revert undo downgrade',
  'rolledback reverted undid undone downgraded',
  'rollingback reverting undoing downgrading',
  'rollbacks reverts undoes downgrades rollsback',
);
verb(
  'clear',
  'clearcache flush clear purge nuke wipe invalidate bust empty reset',
  'flushed cleared purged nuked wiped invalidated busted emptied',
  'flushing clearing purging nuking wiping invalidating busting',
  'flushes clears purges nukes wipes invalidates',
);
verb('scale', 'scale resize autoscale', 'scaled resized autoscaled', 'scaling resizing autoscaling', 'scales resizes');
verb(
  'amount',
  'bump increase decrease reduce raise lower add grow shrink spinup set',
  'bumped increased decreased reduced raised lowered added grew shrank shrunk set',
  'bumping increasing decreasing reducing raising lowering adding growing shrinking setting',
  'bumps increases decreases reduces raises lowers adds grows shrinks sets',
);
verb(
  'run',
  'run execute exec trigger launch start invoke kickoff apply',
  'ran executed triggered launched started invoked kickedoff applied',
  'running executing triggering launching starting invoking',
  'runs executes triggers launches starts invokes',
);
verb('approve', 'approve lgtm signoff', 'approved', 'approving', 'approves');
verb(
  'deny',
  'deny reject decline refuse veto',
  'denied rejected declined refused vetoed',
  'denying rejecting declining refusing',
  'denies rejects declines refuses',
);
verb(
  'cancel',
  'cancel abort kill stop terminate',
  'cancelled canceled aborted killed stopped terminated',
  'cancelling canceling aborting killing stopping terminating',
  'cancels aborts kills stops',
);
verb('ack', 'ack acknowledge acknowledging', 'acked ackd acknowledged', 'acking', 'acks acknowledges');
verb('resolve', 'resolve close', 'resolved closed fixed', 'resolving closing', 'resolves closes');
verb('train', 'train retrain re-train fit', 'trained retrained', 'training retraining', 'trains retrains');
verb('promote', 'promote', 'promoted', 'promoting', 'promotes');
add('promote', 'noun', 'promotion promotions');
verb('freeze', 'freeze', 'froze frozen', 'freezing', 'freezes');
verb('unfreeze', 'unfreeze thaw unpause', 'unfrozen unfroze thawed unpaused', 'unfreezing thawing', 'unfreezes');
verb(
  'lift',
  'lift end remove disable release drop shutdown',
  'lifted ended removed disabled released dropped',
  'lifting ending removing',
  'lifts ends removes',
);
verb(
  'pause',
  'pause halt suspend block',
  'paused halted suspended blocked',
  'pausing halting suspending',
  'pauses halts',
);
verb('resume', 'resume reenable re-enable enable allow', 'resumed enabled allowed', 'resuming enabling', 'resumes');
verb(
  'investigate',
  'investigate debug diagnose troubleshoot triage analyze analyse explain lookinto diginto figureout',
  'investigated debugged diagnosed troubleshot triaged analyzed analysed explained',
  'investigating debugging diagnosing troubleshooting',
  'investigates',
);
verb('detect', 'detect scan detection', 'detected scanned', 'detecting scanning', 'detects scans');
verb('search', 'search find lookup locate grep', 'searched found', 'searching finding', 'searches finds');
verb(
  'show',
  'list show display get give see view fetch print tell pull',
  'listed showed shown displayed got',
  'listing showing',
  'lists shows',
);
verb('check', 'check', 'checked', 'checking', 'checks');
verb('mark', 'mark', 'marked', 'marking', 'marks');
// light verbs: "do a restart of X", "trigger a rollback", "need a restart"
add('light', 'base', 'do perform initiate issue schedule need want make');

add('help', 'base', 'help commands usage manual docs documentation halp instructions');
add('status', 'base', 'status state health healthcheck health-check uptime overview sitrep dashboard');
add(
  'state',
  'base',
  'ok okay healthy unhealthy up down alive fine good green red working operational live available reachable ' +
    'responsive broken degraded happy',
);
add(
  'anomaly',
  'noun',
  'anomaly anomalies anomalous outlier outliers spike spikes spiky spiking weird weirdness unusual abnormal ' +
    'abnormality abnormalities odd oddities strange irregular irregularities deviation deviations blip blips ' +
    'surge surges dip dips glitch glitches suspicious funky',
);
add(
  'problem',
  'noun',
  'high elevated climbing rising broke breaking slow slowness sluggish failing fails failed failure failures ' +
    'erroring timing timeouts crashing crashloop crashlooping flapping lagging hanging leaking leak oom throwing ' +
    'wrong issue issues problem problems',
);
add('investigate', 'noun', 'investigation diagnosis rca rootcause analysis');
add('dryrun', 'noun', 'dryrun dry-run preview simulate simulation plan');
add('fire', 'noun', 'onfire burning');

add('cache', 'noun', 'cache caches caching cdn');
add('runbook', 'noun', 'runbook runbooks playbook playbooks run-book procedure procedures');
add('model', 'noun', 'model models detector detectors');
add('job', 'noun', 'job jobs task tasks queue queued');
add('incident', 'noun', 'incident incidents inc incs outage outages alert alerts');
add('postmortem', 'noun', 'postmortem postmortems post-mortem post-mortems postmortum retrospective pir');
add('request', 'noun', 'request requests req approval approvals');
add('replica', 'noun', 'replica replicas instance instances pod pods copies node nodes container containers capacity');
add('deploy', 'noun', 'deploy deploys deployment deployments release releases rollout rollouts change changes build');
add('version', 'noun', 'version versions ver revision rev');
add('remediation', 'noun', 'remediation remediations automation automations actions');
add('all', 'noun', 'all every everything each entire whole everyone everybody fleet cluster both');

add(
  'qword',
  'base',
  "how what why who when where which whose whom what's whats how's hows who's whos why's where's when's wat wut y",
);
add('aux', 'base', "do does did is are was were am be been being has have had it's isn't");
add('modal', 'base', 'can could would will should shall may might must');
add(
  'neg',
  'base',
  "don't dont not never no nobody noone nothing avoid without cannot can't cant won't wont wouldn't shouldn't " +
    "shouldnt mustn't couldn't didn't didnt doesn't doesnt aren't wasn't weren't haven't hasn't hadn't n't",
);
add(
  'polite',
  'base',
  'please pls plz kindly ok okay hey hi hello yo so now alright go ahead just quickly asap immediately ' +
    "urgently urgent right away thanks thx ty fyi btw again bot opsbot remediate sure yes yeah yep yup let's " +
    'lets gotta',
);
add(
  'subj',
  'base',
  "i'll we'll i'd we'd i we you someone somebody anyone anybody they he she me us u i'm we're you're they've " +
    "we've i've someone's",
);
add('hypo', 'base', 'if suppose supposing hypothetically imagine unless whether whatif incase assuming');
add('already', 'base', 'already earlier yesterday recently ago previously last-night');
add(
  'prep',
  'base',
  'on for of in at to against from with into within across over during about regarding re around under by via ' +
    'behind as',
);
add('conj', 'base', 'and then also plus after afterwards followed later next');
add('det', 'base', 'the a an this that these those my our your their his her some any its');
add('pron', 'base', 'it them one ones');
add('inject', 'base', 'ignore disregard override bypass jailbreak');

export function lookup(word: string): Entry | undefined {
  return table.get(word);
}
