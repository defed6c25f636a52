// Runs every `ts` example of docs/shaping.md and compares what it prints with the `text` block that
// follows it, so the page cannot drift from the code.
import { describeDocExamples } from '../../support/doc-examples.js';

describeDocExamples('docs/shaping.md', 5, 'five');
