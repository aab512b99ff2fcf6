/** Tasks shared by a test and the child executor process it starts (both must serialize the same template). */
import { sparkTask } from '../spark-task.ts';

export const IMAGE = 'ghcr.io/example/spark:3.5.0';

export const longJob = sparkTask({
  name: 'longJob',
  application: { type: 'scala', mainApplicationFile: 'local:///opt/app/job.jar', mainClass: 'example.LongJob' },
  sparkConf: { 'spark.executor.instances': '2' },
  image: IMAGE,
  version: 'v1',
});
