// Runs a command with files of ours laid over /etc, visible to that command only: OAI's mip6d
// reads its MN authorisation from the hard-coded /etc/pmip/mac-mapping.auth, and the host's /etc
// must never be written (nor need a /etc/pmip to bind-mount onto). The command line
//   unshare --mount --propagation private -- sh -c SCRIPT private-etc SCRATCH REL FILE... -- CMD ARGS...
// mounts a tmpfs on SCRATCH (a directory of the run), copies each FILE to REL under it, lays it
// over /etc as the upper layer of an overlay, then execs CMD (so signals reach it directly). The
// mounts live in the command's own mount namespace and vanish with it. A shell, not Node: under
// emulation a Node start costs seconds per OAI node, and this is four commands. Paths are the
// script's arguments, never part of its text.
const SCRIPT = `
fail() { echo "private-etc: $*" >&2; exit 127; }
scratch=$1; shift
mkdir -p "$scratch" && mount -t tmpfs -o mode=0755 tmpfs "$scratch" || fail "cannot mount a tmpfs on $scratch"
mkdir "$scratch/upper" "$scratch/work" || fail "cannot make the overlay's directories"
while [ "$1" != -- ]; do
  mkdir -p "$scratch/upper/$(dirname "$1")" && cp "$2" "$scratch/upper/$1" || fail "cannot copy $2 to /etc/$1"
  shift 2
done
shift
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc || fail "cannot lay files over /etc"
exec "$@"
`;

/** `unshare` arguments running `cmd` with each { rel: file } copied to /etc/rel, SCRATCH its mount point. */
export function privateEtcArgs(scratch: string, files: Readonly<Record<string, string>>, cmd: string, args: readonly string[]): string[] {
  const pairs = Object.entries(files).flatMap(([rel, file]) => {
    if (rel === '' || rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`private-etc: bad path under /etc '${rel}'`);
    return [rel, file];
  });
  return ['--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'private-etc', scratch, ...pairs, '--', cmd, ...args];
}
