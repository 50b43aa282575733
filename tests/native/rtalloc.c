/* rtalloc.c: test-only LD_PRELOAD interposer that counts
 * malloc/calloc/realloc/free/posix_memalign/aligned_alloc/mmap/munmap calls
 * made by threads flagged as audio threads (rtalloc_mark_this_thread, called
 * by rtprobe.c's marker slot from inside the native chain).  The counts are
 * printed at exit to the file named by RTALLOC_REPORT.  docs/realtime.md §5.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static __thread int audio_thread;
static uint64_t counts[8];
static uint64_t marked_threads;
enum { C_MALLOC, C_CALLOC, C_REALLOC, C_FREE, C_MEMALIGN, C_MMAP, C_MUNMAP };

#define COUNT(k) do { if (audio_thread) __atomic_fetch_add(&counts[k], 1, __ATOMIC_RELAXED); } while (0)

void rtalloc_mark_this_thread(void)
{
    if (!audio_thread) {
        audio_thread = 1;
        __atomic_fetch_add(&marked_threads, 1, __ATOMIC_RELAXED);
    }
}

void *malloc(size_t n) { COUNT(C_MALLOC); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT(C_CALLOC); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT(C_REALLOC); return __libc_realloc(p, n); }
void free(void *p) { if (p) COUNT(C_FREE); __libc_free(p); }
void *memalign(size_t a, size_t n) { COUNT(C_MEMALIGN); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { COUNT(C_MEMALIGN); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n)
{
    COUNT(C_MEMALIGN);
    void *p = __libc_memalign(a, n);
    if (!p) return 12;
    *out = p;
    return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    COUNT(C_MMAP);
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
    COUNT(C_MUNMAP);
    return (int)syscall(SYS_munmap, addr, len);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("RTALLOC_REPORT");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "marked_threads=%llu malloc=%llu calloc=%llu realloc=%llu free=%llu memalign=%llu mmap=%llu munmap=%llu\n",
            (unsigned long long)marked_threads,
            (unsigned long long)counts[C_MALLOC], (unsigned long long)counts[C_CALLOC],
            (unsigned long long)counts[C_REALLOC], (unsigned long long)counts[C_FREE],
            (unsigned long long)counts[C_MEMALIGN], (unsigned long long)counts[C_MMAP],
            (unsigned long long)counts[C_MUNMAP]);
    fclose(f);
}

/* Calls counted so far in audio threads (all kinds), and threads marked. */
uint64_t rtalloc_total(void)
{
    uint64_t t = 0;
    for (int k = 0; k < 8; ++k) t += __atomic_load_n(&counts[k], __ATOMIC_RELAXED);
    return t;
}

uint64_t rtalloc_marked_threads(void) { return __atomic_load_n(&marked_threads, __ATOMIC_RELAXED); }
