// JetStream publisher for bench/peers/run.py. Keeps WINDOW publishes in
// flight to a file-storage stream, each with its own Nats-Msg-Id header (so
// the stream's duplicate window checks every one), and counts the publishes
// the server acknowledged (a PubAck without an error) within the measured time.
//
//   node js_publish.mjs --port P --seconds S --window W --bytes B
//
// It publishes with core NATS and a reply subject, and reads the PubAcks on
// one inbox subscription, as `nats bench --js` does for async publishes:
// nats.js' js.publish() (a promise and a request per message) costs the
// client ~5x more CPU and made node, not the server, the bottleneck.
//
// Prints one JSON line: {"acked", "seconds", "rate", "errors", "duplicates"}.
import { connect, headers, StorageType, nanos } from "nats";

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const port = Number(arg("port", "4222"));
const seconds = Number(arg("seconds", "10"));
const window = Number(arg("window", "50"));
const bytes = Number(arg("bytes", "600"));

const nc = await connect({ servers: `127.0.0.1:${port}` });
const jsm = await nc.jetstreamManager();
await jsm.streams.add({
  name: "BENCH",
  subjects: ["bench.>"],
  storage: StorageType.File,
  duplicate_window: nanos(120_000), // 2 min, JetStream's default
});

const body = new TextEncoder().encode("x".repeat(bytes));
const run = `${process.pid}-${Date.now()}`;
const inbox = `_INBOX.bench.${run}`;
let seq = 0, inFlight = 0, acked = 0, errors = 0, duplicates = 0;
let counting = false, stop = false;

function publishOne() {
  const h = headers();
  h.set("Nats-Msg-Id", `${run}-${seq++}`);
  nc.publish("bench.in", body, { headers: h, reply: inbox });
  inFlight++;
}

const dec = new TextDecoder();
nc.subscribe(inbox, {
  callback: (err, m) => {
    inFlight--;
    // A PubAck is {"stream":"BENCH","seq":N} (plus "duplicate":true), an
    // error is {"error":{...}}.
    const s = dec.decode(m.data);
    if (counting) {
      if (err || s.includes('"error"')) errors++;
      else {
        acked++;
        if (s.includes('"duplicate"')) duplicates++;
      }
    }
    if (!stop) publishOne();
  },
});
await nc.flush();

for (let i = 0; i < window; i++) publishOne();
await new Promise((r) => setTimeout(r, 1000)); // warm-up, not counted
counting = true;
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, seconds * 1000));
counting = false;
stop = true;
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
await nc.drain();
console.log(JSON.stringify({ acked, seconds: elapsed, rate: acked / elapsed, errors, duplicates }));
