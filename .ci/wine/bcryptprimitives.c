/* ProcessPrng for Wine 8, which has no bcryptprimitives.dll: Rust's std
 * (since 1.78) takes its randomness from there on Windows. Built with
 * mingw-w64 by .ci/wine/setup into each Wine prefix the tests use; never
 * shipped. RtlGenRandom is the system's CSPRNG (advapi32). */
#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
