//go:build !purego && linux

package asm

import "testing"

func TestCheckedSoft(t *testing.T) {
	checkSoftBounds(t, "NEON", 28, 4, SoftTargetStatsNEON, SoftTargetGradNEON)
}
