// The pieces of an honest run that need no testbed: what pmipd's ready line says about its data
// plane, what its last words say about a failed start, the kernel features each data plane
// needs, socket paths that fit, the global --debug, and what users see of an error (no stack).
import { expect } from 'chai';
import { cannotMeasureLine } from '../../bench/run-bench.js';
import { debugEnabled, DEBUG_ENV, describeError, takeDebugFlag, withoutStacks } from '../../harness/error-text.js';
import { checkSocketPath, MAX_SOCKET_PATH_BYTES } from '../../harness/iut/adapter.js';
import { parseReadyLine, pmipdAdapter, requestedDataplane, startFailureCause } from '../../harness/iut/pmipd-adapter.js';

const STACK = 'Error: boom\n    at IpBatch.runOrThrow (file:///x/dist/pmipd/dataplane/ip-batch.js:51:19)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n    at async main (file:///x/dist/pmipd/main.js:49:20)';

describe('testbed/data plane and error text', () => {
  let saved: string | undefined;
  beforeEach(() => { saved = process.env[DEBUG_ENV]; delete process.env[DEBUG_ENV]; });
  afterEach(() => { if (saved === undefined) delete process.env[DEBUG_ENV]; else process.env[DEBUG_ENV] = saved; });

  it('reads the data plane from pmipd\'s ready line, with the JSON-quoted reason when auto found none', () => {
    expect(parseReadyLine('2026-12-05T23:01:53.149Z +0.009 info lma1 ready role=lma lmaa=2001:db8::2 dataplane=seg6 mags=1 mobileNodes=1')).to.deep.equal({ backend: 'seg6' });
    expect(parseReadyLine('… info mag1 ready role=mag name=mag1 dataplane=tun access=acc0')).to.deep.equal({ backend: 'tun' });
    const why = 'no IPv6-in-IPv6 data plane on this kernel: ip6tnl: Error: Unknown device type.; seg6: Error: lwt encapsulation type not supported.; tun: open /dev/net/tun: "ENOENT"';
    expect(parseReadyLine(`… info lma1 ready role=lma dataplane=none dataplaneWhy=${JSON.stringify(why)} mags=2`)).to.deep.equal({ backend: 'none', why });
    expect(parseReadyLine('… info lma1 ready role=lma mags=2')).to.equal(undefined);
  });

  it('takes the cause of a failed start from pmipd\'s last "pmipd:" line', () => {
    const log = ['… info lma1 dataplane-chosen backend=seg6', 'pmipd: ip -6 route add 2001:db8::2/128 encap seg6local action End.DX6 nh6 :: dev eth0 table 200: Error: lwt encapsulation type not supported.', ...STACK.split('\n')];
    expect(startFailureCause(log)).to.equal('ip -6 route add 2001:db8::2/128 encap seg6local action End.DX6 nh6 :: dev eth0 table 200: Error: lwt encapsulation type not supported.');
    expect(startFailureCause(['… info lma1 started'])).to.equal(undefined);
  });

  it('asks the kernel only for what the requested data plane needs; --dataplane wins over the topology\'s', () => {
    const spec = (dataplane?: string) => ({ adapter: 'pmipd', options: dataplane ? { domain: { dataplane } } : {} });
    expect(pmipdAdapter.requiredFeatures(spec())).to.deep.equal([]);
    expect(pmipdAdapter.requiredFeatures(spec('auto'))).to.deep.equal([]);
    expect(pmipdAdapter.requiredFeatures(spec('none'))).to.deep.equal([]);
    // A tun-only kernel (no ip6tnl, no seg6, no ipproto rules needed) can run every node.
    expect(pmipdAdapter.requiredFeatures(spec('tun'))).to.deep.equal(['tun']);
    expect(pmipdAdapter.requiredFeatures(spec('ip6tnl'))).to.deep.equal(['ip6tnl']);
    expect(pmipdAdapter.requiredFeatures(spec('seg6'))).to.include.members(['seg6', 'seg6local', 'ip6-rule-ipproto']);
    expect(pmipdAdapter.requiredFeatures(spec('ip6tnl'), 'tun')).to.deep.equal(['tun']);
    expect(requestedDataplane(spec('seg6'), 'none')).to.equal('none');
    expect(requestedDataplane(spec('seg6'))).to.equal('seg6');
  });

  it('refuses a UNIX socket path longer than sun_path holds, saying how to shorten it', () => {
    const short = '/run/pmip-testbed/abcde/iut/mag1/pmipd.sock';
    expect(checkSocketPath(short, 'x')).to.equal(short);
    const long = `/tmp/${'d'.repeat(MAX_SOCKET_PATH_BYTES)}/pmipd.sock`;
    expect(() => checkSocketPath(long, 'the control socket')).to.throw(/the control socket .* longer than a UNIX socket address allows \(107\): set PMIP_TESTBED_RUN_DIR/);
  });

  it('takes --debug from anywhere before a "--", not after it', () => {
    expect(takeDebugFlag(['run', '--debug', '--cases', 'x'])).to.deep.equal({ argv: ['run', '--cases', 'x'], debug: true });
    expect(takeDebugFlag(['--debug', 'up', 't.yaml'])).to.deep.equal({ argv: ['up', 't.yaml'], debug: true });
    expect(takeDebugFlag(['exec', 'mn1', '--', 'prog', '--debug'])).to.deep.equal({ argv: ['exec', 'mn1', '--', 'prog', '--debug'], debug: false });
  });

  it('shows no stack trace unless debugging', () => {
    expect(withoutStacks(STACK)).to.equal('Error: boom');
    const err = new Error('IUT of node lma1 (pmipd adapter): it failed\nlast lines:\n    pmipd: it failed\n    at async main (file:///x/main.js:49:20)');
    expect(describeError(err)).to.equal('IUT of node lma1 (pmipd adapter): it failed\nlast lines:\n    pmipd: it failed');
    expect(cannotMeasureLine('topology', err)).to.equal('bench:topology: cannot measure: IUT of node lma1 (pmipd adapter): it failed');
    process.env[DEBUG_ENV] = '1';
    expect(debugEnabled()).to.equal(true);
    expect(withoutStacks(STACK)).to.equal(STACK);
    expect(describeError(err)).to.match(/\n\s+at /);
  });
});
