package kernels

import "testing"

func TestConfusion(t *testing.T) {
	// One image, C = 3, S = 6 pixels; planes are S apart.
	x := []float32{
		5, 0, 0, 1, 0, 2, // class 0
		0, 5, 0, 1, 9, 2, // class 1 (pixel 3: tie of 0 and 1 -> class 0; pixel 5: three-way tie -> 0)
		0, 0, 5, 0, 0, 2, // class 2
	}
	labels := []uint8{0, 1, 1, 0, 255, 2}
	tp, fp, fn := make([]int64, 3), make([]int64, 3), make([]int64, 3)
	Confusion(x, 6, 3, labels, 255, true, tp, fp, fn)
	// pixel 0: 0/0 tp0; 1: 1/1 tp1; 2: pred 2, label 1 -> fp2, fn1;
	// 3: pred 0 (first max), label 0 -> tp0; 4: ignored; 5: pred 0, label 2 -> fp0, fn2.
	want := [3][]int64{{2, 1, 0}, {1, 0, 1}, {0, 1, 1}}
	for i, got := range [3][]int64{tp, fp, fn} {
		for c := range got {
			if got[c] != want[i][c] {
				t.Fatalf("tp, fp, fn = %v %v %v, want %v", tp, fp, fn, want)
			}
		}
	}
	lab32 := []int32{0, 1, 1, 0, -100, 2}
	clear(tp)
	clear(fp)
	clear(fn)
	Confusion(x, 6, 3, lab32, -100, true, tp, fp, fn)
	if tp[0] != 2 || tp[1] != 1 || fp[2] != 1 || fn[2] != 1 {
		t.Fatalf("int32 labels: tp, fp, fn = %v %v %v", tp, fp, fn)
	}
}

func TestConfusionBinary(t *testing.T) {
	x := []float32{2, -1, 0.5, -3, 0, 4}
	y := []float32{1, 1, 0, 0, 1, 0.5}
	var n BinaryCounts
	ConfusionBinary(x, y, 0, &n)
	// predicted positive: 2, 0.5, 4 (0 is not > 0); positive targets: 0, 1, 4, 5.
	if n != (BinaryCounts{TP: 2, FP: 1, FN: 2}) {
		t.Fatalf("counts %+v", n)
	}
}
