//go:build linux

package kernels

import (
	"testing"

	"golang.org/x/sys/unix"
)

// guardPageBytes returns n bytes that end exactly where a PROT_NONE page
// begins, so that any access past the end faults.
func guardPageBytes(t *testing.T, n int) []byte {
	t.Helper()
	pg := unix.Getpagesize()
	body := (n + pg - 1) / pg * pg
	mem, err := unix.Mmap(-1, 0, body+pg, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	if err := unix.Mprotect(mem[body:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return mem[body-n : body : body]
}

const haveGuardPages = true
