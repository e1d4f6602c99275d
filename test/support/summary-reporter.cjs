// Mocha's spec output plus the closing line CI recognises: "N passed, N failed, N skipped".
// CommonJS because mocha loads reporters with require().
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // Printed after spec's epilogue so it is the last line.
      process.nextTick(() => console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`));
    });
  }
}
module.exports = SummaryReporter;
