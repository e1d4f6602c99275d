/*
 * pmip-testbed's stand-in for <sys/sysctl.h>, which glibc 2.32 removed with sysctl(2).
 * OAI PMIPv6 calls sysctl() only when /proc/sys/net/ipv6/conf/all/forwarding cannot be
 * opened; on today's kernels that path always exists, so the fallback fails cleanly.
 * The CTL_NET/NET_IPV6 constants it names come from the kernel's UAPI header.
 */
#ifndef PMIP_TESTBED_SYS_SYSCTL_SHIM_H
#define PMIP_TESTBED_SYS_SYSCTL_SHIM_H
#include <errno.h>
#include <stddef.h>
#include <linux/sysctl.h>

static inline int sysctl(int *name, int nlen, void *oldval, size_t *oldlenp, void *newval, size_t newlen)
{
	(void)name; (void)nlen; (void)oldval; (void)oldlenp; (void)newval; (void)newlen;
	errno = ENOSYS;
	return -1;
}
#endif
