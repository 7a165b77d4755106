//go:build !purego && (amd64 || arm64) && linux

package asm

import (
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardF32 returns n float32 that end exactly where a PROT_NONE page
// begins, so that a kernel reading past them faults in the test.
func guardF32(t *testing.T, n int) []float32 {
	t.Helper()
	pg := unix.Getpagesize()
	body := (4*n + pg - 1) / pg * pg
	mem, err := unix.Mmap(-1, 0, body+pg, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	if err := unix.Mprotect(mem[body:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	b := mem[body-4*n : body]
	if n == 0 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

func wantArg(t *testing.T, name string, err error) {
	t.Helper()
	if !errors.Is(err, ErrArg) {
		t.Fatalf("%s: error %v, want ErrArg", name, err)
	}
}

func unsafePtr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// errOf returns the error of a sigmoid entry point (its bits dropped).
func errOf(_ uint32, err error) error { return err }
