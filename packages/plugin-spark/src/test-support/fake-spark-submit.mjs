// A stand-in for spark-submit, in the test node's driver pods and on PATH for local runs: it takes
// spark-submit's options, the application file and the application's arguments, records them, and
// does what the named application would, writing its outputs where it is told. Spark itself is not
// installed here.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// spark-submit's own options come first (none in a driver pod, which the operator starts with the application).
const argv = process.argv.slice(2);
const options = { conf: {} };
while (argv[0]?.startsWith('--')) {
  const [option, value] = argv.splice(0, 2);
  if (option === '--conf') options.conf[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
  else options[option.slice(2)] = value;
}
const [application, ...args] = argv;
const path = (uri) => (uri.startsWith('file://') ? fileURLToPath(uri) : uri);
const flag = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
if (process.env.SPARK_SUBMIT_RECORD) {
  appendFileSync(process.env.SPARK_SUBMIT_RECORD, `${JSON.stringify({ options, application, args, env: process.env })}\n`);
}

switch (
  application
    .replace(/^local:\/\//, '')
    .split('/')
    .pop()
) {
  case 'wordcount.py': {
    const text = readFileSync(path(flag('--input')), 'utf8');
    const counts = new Map();
    for (const word of text
      .toLowerCase()
      .split(/[^a-z']+/)
      .filter(Boolean))
      counts.set(word, (counts.get(word) ?? 0) + 1);
    const minCount = Number(flag('--min') ?? '1');
    const kept = [...counts].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const out = path(flag('--out'));
    mkdirSync(out, { recursive: true });
    writeFileSync(`${out}/part-00000.csv`, `word,count\n${kept.map(([w, n]) => `${w},${n}`).join('\n')}\n`);
    const document = path(process.env.TFLYTE_OUTPUT_DOCUMENT);
    mkdirSync(dirname(document), { recursive: true });
    writeFileSync(document, JSON.stringify({ distinctWords: kept.length }));
    console.log(`wrote ${kept.length} words to ${out}`);
    break;
  }
  case 'no-outputs.py':
    break;
  case 'bad-outputs.py': {
    const document = path(process.env.TFLYTE_OUTPUT_DOCUMENT);
    mkdirSync(dirname(document), { recursive: true });
    writeFileSync(document, JSON.stringify({ distinctWords: 'many' }));
    break;
  }
  case 'fail.py':
    console.error('Traceback (most recent call last): ValueError: bad input');
    process.exit(1);
    break;
  case 'sleep.py':
    setInterval(() => {}, 1000);
    break;
  default:
    console.error(`fake spark-submit: unknown application ${application}`);
    process.exit(2);
}
