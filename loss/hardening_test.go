package loss

// Regression tests of the hardening issue: each exact input a hostile user
// tried, with the answer the library now promises.

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A used Workspace moved by value (a growing slice, a struct returned by
// value) keeps working after the original is collected; closing the copy
// and the original both is harmless.
func TestWorkspaceCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 1))
	sh := Shape{N: 2, C: 4, S: 32771}
	x, lab, _ := bigCase(r, sh)
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 2
	m.Ignore = Ignore(255)

	wss := make([]Workspace, 1)
	want, err := m.Forward(&wss[0], x, U8(lab), sh)
	if err != nil {
		t.Fatal(err)
	}
	wss = append(wss, Workspace{}) // the slice grows: the old array is garbage
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // let cleanups run
	}
	got, err := m.Forward(&wss[0], x, U8(lab), sh)
	if err != nil || got != want {
		t.Fatalf("after the move: %v, %v; want %v", got, err, want)
	}

	type holder struct{ ws Workspace }
	mk := func() holder {
		var h holder
		if _, err := m.Forward(&h.ws, x, U8(lab), sh); err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := mk()
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got, err := m.Forward(&h.ws, x, U8(lab), sh); err != nil || got != want {
		t.Fatalf("returned by value: %v, %v; want %v", got, err, want)
	}

	c := h.ws
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.ws.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Forward(&c, x, U8(lab), sh); err != nil || got != want {
		t.Fatalf("after closing both copies: %v, %v; want %v", got, err, want)
	}
	var nilWS *Workspace
	if err := nilWS.Close(); err != nil {
		t.Fatal(err)
	}
}

// A Workspace used by two calls at once answers ErrBusy instead of
// corrupting its buffers or killing the process.
func TestWorkspaceBusy(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	sh := Shape{N: 2, C: 4, S: 32771}
	x, lab, y := bigCase(r, sh)
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 2
	m.Ignore = Ignore(255)
	b := &Binary{Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}, Workers: 2}
	var ref Workspace
	want, err := m.Forward(&ref, x, U8(lab), sh)
	if err != nil {
		t.Fatal(err)
	}
	wantB, err := b.Forward(&ref, x, y, sh)
	if err != nil {
		t.Fatal(err)
	}

	var ws Workspace
	// Deterministic: a call that finds the workspace held gets ErrBusy.
	w, err := ws.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(&ws, x, U8(lab), sh); !errors.Is(err, ErrBusy) {
		t.Fatalf("Forward on a busy workspace: %v, want ErrBusy", err)
	}
	c := ws // a copy shares the flag
	if _, err := b.Backward(&c, x, y, sh, make([]float32, len(x))); !errors.Is(err, ErrBusy) {
		t.Fatalf("Backward on a copy of a busy workspace: %v, want ErrBusy", err)
	}
	if err := ws.Close(); !errors.Is(err, ErrBusy) {
		t.Fatalf("Close of a busy workspace: %v, want ErrBusy", err)
	}
	w.release()

	// Racing goroutines: every call either succeeds with the right value
	// or says ErrBusy.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, busy int
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grad := make([]float32, len(x))
			for range 20 {
				var v, wv float64
				var err error
				if g%2 == 0 {
					wv = want
					v, err = m.Backward(&ws, x, U8(lab), sh, grad)
				} else {
					wv = wantB
					v, err = b.Forward(&ws, x, y, sh)
				}
				mu.Lock()
				switch {
				case errors.Is(err, ErrBusy):
					busy++
				case err != nil || v != wv:
					t.Errorf("racing call: %v, %v; want %v", v, err, wv)
				default:
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok == 0 {
		t.Fatalf("no racing call succeeded (%d busy)", busy)
	}
	t.Logf("%d calls succeeded, %d were told ErrBusy", ok, busy)
}
