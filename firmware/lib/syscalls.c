/* firmware/lib/syscalls.c: what newlib asks of an operating system, for a
 * lamp that has none.  newlib's own allocations (strtod's big numbers,
 * snprintf) get a small bounded heap; mbedTLS and cJSON never use it (they
 * allocate from the mbedTLS arena).  There are no files: every file call
 * fails with ENOSYS, loudly on the console the first time. */
#include "hw.h"
#include "uart.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define NEWLIB_HEAP_SIZE (8 * 1024)

static uint8_t heap[NEWLIB_HEAP_SIZE] __attribute__((aligned(8)));
static size_t heap_used;
static int warned;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    void *p = heap + heap_used;

    if (incr < 0 || (size_t)incr > sizeof(heap) - heap_used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_used += (size_t)incr;
    return p;
}

static int no_files(void)
{
    if (!warned) {
        warned = 1;
        uart_puts("\nnewlib: a file operation was attempted; the lamp has no files\n");
    }
    errno = ENOSYS;
    return -1;
}

int _write(int fd, const void *buf, size_t n);
int _write(int fd, const void *buf, size_t n) { (void)fd; (void)buf; (void)n; return no_files(); }
int _read(int fd, void *buf, size_t n);
int _read(int fd, void *buf, size_t n) { (void)fd; (void)buf; (void)n; return no_files(); }
/* Lua's luaL_loadfile reaches fopen; apps are never given it (loadfile and
 * dofile are not in the VM's globals), but the link needs the call. */
int _open(const char *path, int flags, ...);
int _open(const char *path, int flags, ...) { (void)path; (void)flags; return no_files(); }
int _close(int fd);
int _close(int fd) { (void)fd; return no_files(); }
int _lseek(int fd, int off, int whence);
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; return no_files(); }
int _fstat(int fd, struct stat *st);
int _fstat(int fd, struct stat *st) { (void)fd; (void)st; return no_files(); }
int _isatty(int fd);
int _isatty(int fd) { (void)fd; return 0; }
int _getpid(void);
int _getpid(void) { return 1; }
int _kill(int pid, int sig);
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }

/* abort() and exit(): nothing to return to; say so and reset. */
void _exit(int status);
void _exit(int status)
{
    uart_puts("\npanic: exit(");
    uart_put_dec((uint32_t)status);
    uart_puts(") called, resetting\n");
    SCB_AIRCR = AIRCR_RESET;
    for (;;)
        ;
}
