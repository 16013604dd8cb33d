import { benchAlerts } from './alerts';
import { benchAuthVerify } from './auth-verify';
import { benchChat } from './chat';
import { benchDashboard } from './dashboard';
import { benchIntent } from './intent';
import { benchModels } from './models';
import { benchMonitor } from './monitor';
import { benchDetectThroughput } from './nab/throughput';
import { benchOnnx } from './onnx';
import { benchQueue } from './queue';
import { benchScale } from './scale';
import { benchServeRss } from './serve-rss';
import { benchSlackAck } from './slack-ack';

/** `npm run bench`: every benchmark, one after another, each printing its own table. */
async function main(): Promise<void> {
  process.stdout.write(`SmartCloudOps benchmarks · node ${process.version} · ${new Date().toISOString()}\n`);
  await benchQueue();
  await benchScale();
  await benchIntent();
  await benchOnnx();
  await benchDetectThroughput();
  await benchModels();
  await benchMonitor();
  await benchChat();
  await benchServeRss();
  await benchAuthVerify();
  await benchAlerts();
  await benchSlackAck();
  await benchDashboard();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
