package loss

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/segloss/segloss/internal/gcstop"
)

// TestGCStopLargeC measures the worst time the garbage collector waits to
// stop the world while a softmax loss over many classes runs: an assembly
// call cannot be preempted, so its work must be bounded by logits
// (kernels.BlockPixels, kernels.MaxAsmClasses), not by pixels. Before that
// bound, one call covered up to 1024 pixels x C logits: 0.47 s at C =
// 100000 (the figure); on an AMD EPYC Zen 3 (AVX2) this test gave
// 6.3 ms at C = 1024 and 29 ms at C = 4096 before, 0.3 to 0.6 ms at every
// C after (about what a plain Go loop gives here). C = 4096 is the largest
// C the assembly tiers run (16-pixel blocks), C = 100000 runs the generic
// kernels. The bound asserted here is loose (the machines are shared); the
// figures are logged.
func TestGCStopLargeC(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: large allocation, timing")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2")
	}
	for _, cs := range [][2]int{{1024, 8192}, {4096, 2048}, {100000, 200}} {
		gcStop(t, cs[0], cs[1])
	}
}

func gcStop(t *testing.T, C, S int) {
	sh := Shape{N: 1, C: C, S: S}
	r := rand.New(rand.NewPCG(16, 1))
	x := randLogits(r, sh.Len(), 2)
	lab := make([]int32, S)
	for i := range lab {
		lab[i] = int32(r.IntN(C))
	}
	grad := make([]float32, sh.Len())
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 1
	var ws Workspace
	if _, err := m.Backward(&ws, x, I32(lab), sh, grad); err != nil { // warm the workspace
		t.Fatal(err)
	}

	worst, n, ok, err := gcstop.Worst(func() error {
		_, err := m.Backward(&ws, x, I32(lab), sh, grad)
		return err
	}, 30)
	if !ok {
		t.Skip("no stop-the-world histogram in runtime/metrics")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("C=%d S=%d: %d Backward calls during 30 GCs; worst stop-the-world wait %.3g ms", C, S, n, worst*1e3)
	if worst > 0.020 {
		t.Errorf("worst stop-the-world wait %.3g ms, want under 20 ms", worst*1e3)
	}
}
