//go:build !purego

package asm

import "github.com/klauspost/cpuid/v2"

// The tiers this CPU runs, as package kernels chooses them (cpuid also
// checks that the OS saves the YMM/ZMM state).
var (
	hasAVX2   = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.BMI2)
	hasAVX512 = hasAVX2 && cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512DQ)
)

// SupportedAVX2 reports whether this CPU runs the AVX2 kernels (AVX2, FMA,
// BMI2).
func SupportedAVX2() bool { return hasAVX2 }

// SupportedAVX512 reports whether this CPU runs the AVX-512 kernels (F, BW,
// VL, DQ, with AVX2, FMA, BMI2).
func SupportedAVX512() bool { return hasAVX512 }
