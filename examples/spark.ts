// A PySpark word count as a typed task: a text file in, a CSV dataset of word counts and the number
// of distinct words out. The application (wordcount.py, shipped in the image) gets the input's URI,
// the minimum count and where to write the dataset as arguments, and writes the scalar output into
// the JSON document named by $TFLYTE_OUTPUT_DOCUMENT. Run it on a cluster with the spark-operator:
//   npx tflyte run examples/spark.ts wordCount --text ./words.txt --min-count 2
// with sparkPlugin() in tflyte.config.ts; `tflyte serialize examples/spark.ts` writes the
// TaskTemplate a Flyte propeller with its spark plugin runs as is.
import { t } from '@tflyte/core';
import { sparkTask } from '@tflyte/plugin-spark';

/** Counts the words of `text`, keeping those seen at least `minCount` times. */
export const wordCount = sparkTask({
  name: 'wordCount',
  inputs: { text: t.file(), minCount: t.int().default(1) },
  outputs: { counts: t.dataset({ format: 'csv' }), distinctWords: t.int() },
  application: {
    type: 'python',
    mainApplicationFile: 'local:///opt/app/wordcount.py',
    arguments: ['--input', '{{ .inputs.text }}', '--min', '{{ .inputs.minCount }}', '--out', '{{ .outputs.counts }}'],
  },
  sparkConf: {
    'spark.driver.memory': '1000M',
    'spark.executor.memory': '1000M',
    'spark.executor.cores': '1',
    'spark.executor.instances': '2',
  },
  image: 'ghcr.io/example/pyspark-wordcount:1.0',
  retries: 1,
});
