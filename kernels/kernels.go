// Package kernels is the public face of segloss's SIMD kernels: the choice
// of instruction-set tier every loss and metric runs on, and the checked
// elementwise primitives.
//
// At init the best tier this CPU runs is chosen: AVX-512 (F, BW, VL, DQ) >
// AVX2 + FMA > generic on amd64, NEON > generic on arm64, generic elsewhere
// and with the purego build tag. SEGLOSS_KERNEL=generic|avx2|avx512|neon
// forces one; Use switches at run time (for tests and benchmarks).
//
// The block- and plane-level primitives the loss and metrics packages are
// made of, their plain-Go specification (the generic tier every assembly
// tier is tested against) and their tests live in internal/kernels; the
// generated assembly lives in package asm.
package kernels

import ik "github.com/segloss/segloss/internal/kernels"

// BlockSize is the most pixels one block of a kernel pass covers: its sums
// are float32, blocks are combined in float64 in block order. Sigmoid
// passes, and softmax passes up to 64 classes, use blocks of BlockSize
// pixels; with more classes a softmax block holds 65536/C pixels rounded
// down to a multiple of 16 (16 at 4096 classes), and BlockSize again above
// 4096 classes.
const BlockSize = ik.BlockSize

// ErrArg is the error the primitives return, wrapped with what is wrong,
// for arguments they reject; a primitive that returns an error has written
// nothing.
var ErrArg = ik.ErrArg

// Available returns the names of the tiers this CPU runs, best first; the
// last one is always "generic".
func Available() []string { return ik.Available() }

// Active returns the name of the tier in use.
func Active() string { return ik.Active() }

// Use switches every primitive, and so every loss and metric, to the named
// tier; a name that is not in Available is an error and changes nothing.
// Calls running concurrently with Use finish on either tier.
func Use(name string) error { return ik.Use(name) }

// Exp writes exp(x[i]) into dst[i] for i < len(dst) with the active tier
// (at most about 1 ULP from the exact value; 0 below -87.34; NaN stays
// NaN). An x shorter than dst is an error wrapping ErrArg, and nothing is
// written.
func Exp(dst, x []float32) error { return ik.Exp(dst, x) }

// Log writes the natural logarithm of x[i] into dst[i] for i < len(dst)
// with the active tier (under 1 ULP; -Inf at 0, NaN below 0). An x shorter
// than dst is an error wrapping ErrArg, and nothing is written.
func Log(dst, x []float32) error { return ik.Log(dst, x) }

// Sigmoid writes 1/(1+exp(-x[i])) into dst[i] for i < len(dst) with the
// active tier. An x shorter than dst is an error wrapping ErrArg, and
// nothing is written.
func Sigmoid(dst, x []float32) error { return ik.Sigmoid(dst, x) }
