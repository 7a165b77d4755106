//go:build !purego && linux

package asm

import "testing"

func TestCheckedSoft(t *testing.T) {
	t.Run("avx2", func(t *testing.T) { checkSoftBounds(t, "AVX2", 128, 128, SoftTargetStatsAVX2, SoftTargetGradAVX2) })
	t.Run("avx512", func(t *testing.T) {
		checkSoftBounds(t, "AVX512", 128, 128, SoftTargetStatsAVX512, SoftTargetGradAVX512)
	})
}
