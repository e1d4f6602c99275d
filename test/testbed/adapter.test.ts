import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IutError } from '../../harness/iut/adapter.js';
import { renderTemplate, TemplateError } from '../../harness/iut/template.js';
import { detectKernelFeatures, MissingKernelFeature } from '../../harness/kernel-features.js';
import { listNetns } from '../../harness/netns.js';
import { netnsPrefix } from '../../harness/testbed/names.js';
import { listRuns } from '../../harness/testbed/run-state.js';
import { Testbed } from '../../harness/testbed/testbed.js';
import type { IutSpec } from '../../harness/topology/schema.js';
import { rejection } from '../support/rejection.js';
import { FLAT_RADVD as FLAT, usePrivateRunRoot } from './run-root.js';


describe('testbed/iut', function () {
  this.timeout(20000);
  const root = usePrivateRunRoot();

  describe('templates', () => {
    const vars = { node: { id: 'mag1' }, lma: { address: '2001:db8::2' }, mns: [{ nai: 'a@x' }, { nai: 'b@x' }], none: [], flag: true };

    it('fills values, loops and conditionals; block tags alone on a line take the line', () => {
      expect(renderTemplate('{{ node.id }} -> {{lma.address}}', vars)).to.equal('mag1 -> 2001:db8::2');
      expect(renderTemplate('list:\n  {{#each mns}}\n  - {{nai}} #{{@index}} of {{node.id}}\n  {{/each}}\nend\n', vars))
        .to.equal('list:\n  - a@x #0 of mag1\n  - b@x #1 of mag1\nend\n');
      expect(renderTemplate('{{#if none}}some{{else}}empty{{/if}} {{#if flag}}yes{{/if}}', vars)).to.equal('empty yes');
    });

    it('an unknown name is an error with its line, never an empty string', () => {
      expect(() => renderTemplate('a\nb {{lma.adress}}', vars)).to.throw(TemplateError, "line 2: {{lma.adress}}: 'adress' is not defined");
      expect(() => renderTemplate('{{#each mns}}{{nia}}{{/each}}', vars)).to.throw(TemplateError, "line 1: unknown name 'nia' in {{nia}} (available here: nai)");
      expect(() => renderTemplate('x\n{{#each mns}}', vars)).to.throw(TemplateError, 'line 2: {{#each}} is never closed');
      expect(() => renderTemplate('{{#each mns}}{{/if}}', vars)).to.throw(TemplateError, 'line 1: {{/if}} closes {{#each}} of line 1');
      expect(() => renderTemplate('{{mns}}', vars)).to.throw(TemplateError, '{{mns}} is a list or mapping, not a value');
    });
  });

  describe('command adapter', () => {
    const sh = (script: string, extra: Record<string, unknown> = {}): Record<string, IutSpec | null> => ({
      mag: { adapter: 'command', options: { command: '/bin/sh', args: ['-c', script], ...extra } },
    });

    it('writes config files from the topology, starts the command in its node, waits for readiness, dumps state', async () => {
      const out = join(root.out, 'cmd');
      const tb = await Testbed.up(FLAT, {
        captures: false,
        outDir: out,
        iut: sh('echo "node $(cat node.txt) in $(ip -br link show acc0 | cut -d@ -f1)"; echo ready; exec sleep 60', {
          files: { 'node.txt': '{{node.id}}', 'pmip.conf': 'lma {{lma.address}}\nself {{node.address}}\n{{#each access}}access {{name}} {{prefix}}\n{{/each}}{{#each mns}}mn {{nai}} {{mac}} {{hnp}}\n{{/each}}' },
          ready: { output: '^ready$' },
          state: { command: ['cat', '{{configDir}}/pmip.conf'] },
        }),
      });
      try {
        expect(readFileSync(join(out, 'iut', 'mag2', 'pmip.conf'), 'utf8')).to.equal([
          'lma 2001:db8::2', 'self 2001:db8:0:1::1', 'access acc0 2001:db8:0:4::/64',
          'mn mn1@example.org 02:00:00:00:01:01 2001:db8:8000::/64', 'mn mn2@example.org 02:00:00:00:01:02 2001:db8:8000:1::/64', '',
        ].join('\n'));
        expect(JSON.parse(readFileSync(join(out, 'iut', 'mag1', 'iut-vars.json'), 'utf8')).node).to.deep.equal({ id: 'mag1', kind: 'mag', netns: tb.nodes.mag1!.netns, address: '2001:db8::1' });
        expect(readFileSync(join(out, 'logs', 'mag1.log'), 'utf8')).to.match(/^node mag1 in acc0$/m, 'ran in the node\'s namespace, in its config directory');
        const state = await tb.collectState('mag1');
        expect(state.bindingCache).to.match(/^lma 2001:db8::2\nself 2001:db8::1\n/);
        expect(state.routes).to.match(/2001:db8:0:2::\/64 via 2001:db8::2 dev eth0/);
        expect(state.addresses).to.include('2001:db8:0:3::1/64');
        expect(tb.iut('lma1')).to.equal(undefined);
        expect(tb.events.entries.filter((e) => e.type === 'iut-ready').map((e) => e.node).sort()).to.deep.equal(['mag1', 'mag2']);
      } finally {
        expect((await tb.down()).leftovers).to.deep.equal({ netns: [], processes: [], runDir: false });
      }
    });

    it('a readiness probe command is retried until it succeeds', async () => {
      const tb = await Testbed.up(FLAT, {
        captures: false, outDir: join(root.out, 'probe'), keepOutput: false,
        iut: sh('sleep 0.2; touch flag; exec sleep 60', { ready: { command: ['test', '-e', '{{configDir}}/flag'], timeoutMs: 5000 } }),
      });
      const ready = tb.events.entries.find((e) => e.type === 'iut-ready')!;
      const started = tb.events.entries.find((e) => e.type === 'iut-start')!;
      expect(ready.timeUs - started.timeUs).to.be.greaterThan(150000);
      await tb.down();
    });

    it('an IUT that dies at start-up fails the run by node, with its last words, and nothing is left', async () => {
      let runId = '';
      const err = await rejection(Testbed.up(FLAT, {
        captures: false, outDir: join(root.out, 'dies'), keepOutput: false, onDown: (r) => { runId = r.runId; }, onUnexpectedExit: () => undefined,
        iut: sh('echo "cannot bind: address in use" >&2; exit 3', { ready: { output: 'never' } }),
      }));
      expect(err).to.be.instanceOf(IutError);
      expect(err.message).to.match(/^IUT of node mag[12] \(command adapter\): iut mag[12] ended \(exit code 3\) before printing \/never\/m; last 1 lines of .*: *\n *cannot bind: address in use/);
      expect((await listNetns()).filter((n) => n.startsWith(netnsPrefix(runId)))).to.deep.equal([]);
      expect(await listRuns()).to.deep.equal([]);
    });

    it('a template mistake names the node and the option', async () => {
      const err = await rejection(Testbed.up(FLAT, { captures: false, outDir: join(root.out, 'tpl'), keepOutput: false, iut: sh('true', { files: { 'a.conf': 'x {{lma.adress}}' } }) }));
      expect(err.message).to.match(/^IUT of node mag[12] \(command adapter\): template files\.a\.conf: line 1: \{\{lma\.adress\}\}: 'adress' is not defined/);
    });

    it('options are checked against the adapter\'s schema before anything is built', async () => {
      const err = await rejection(Testbed.up(FLAT, { iut: { mag: { adapter: 'command', options: { comand: 'x' } } } }));
      expect(err.message).to.equal("options.iut.mag: options: missing required field 'command'; options.comand: unknown field 'comand' (did you mean 'command'?)");
      const unknown = await rejection(Testbed.up(FLAT, { iut: { lma1: { adapter: 'oai' } } }));
      expect(unknown.message).to.match(/^options\.iut\.lma1: unknown IUT adapter 'oai' for node lma1 \(known: command(, [a-z0-9-]+)*\)$/);
    });

    it('a kernel feature the adapter needs and the kernel lacks becomes a named skip, before anything is built', async function () {
      const have = await detectKernelFeatures();
      const iut = sh('echo ready; exec sleep 60', { ready: { output: 'ready' }, requires: ['ip6tnl'] });
      if (have.ip6tnl) {
        const tb = await Testbed.up(FLAT, { captures: false, keepOutput: false, outDir: join(root.out, 'feat'), iut });
        await tb.down();
        return;
      }
      const err = await rejection(Testbed.up(FLAT, { iut }));
      expect(err).to.be.instanceOf(MissingKernelFeature);
      expect((err as MissingKernelFeature).feature).to.equal('ip6tnl');
      expect(err.message).to.match(/^kernel lacks ip6tnl \(needed by the IUT of node mag1 \(command adapter\)\)/);
      expect(await listRuns()).to.deep.equal([]);
    });
  });
});
