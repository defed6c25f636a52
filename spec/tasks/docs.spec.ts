// Runs every `ts` example of docs/tasks.md and compares what it prints with the `text` block that
// follows it, so the page (its pictures included) cannot drift from the code.
import { describeDocExamples } from '../support/doc-examples.js';

describeDocExamples('docs/tasks.md', 8, 'the quick start, one picture per family, the vocabulary');
