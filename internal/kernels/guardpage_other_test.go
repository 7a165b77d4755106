//go:build !linux

package kernels

import "testing"

func guardPageBytes(t *testing.T, n int) []byte { return make([]byte, n) }

const haveGuardPages = false
