// Command amd64 generates the AVX2 and AVX-512 kernels of package asm with
// avo. Each run writes one family of kernels (one .s file and its Go stubs):
//
//	go run ./amd64 -family elementwise -pkg asm -out ../asm/elementwise_amd64.s -stubs ../asm/elementwise_amd64.go
//
// The //go:generate lines of asm/doc.go run it for every family. Every kernel
// is written once against a Tier (tier.go) and emitted for both tiers; the
// exact math (exp, log, sigmoid) follows internal/kernels/math.go (math.go here).
package main

import (
	"flag"
	"fmt"
	"os"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var family = flag.String("family", "", "kernel family: elementwise, sigmoid, softmax, confusion, roofline, soft, edt")

var families = map[string]func(t *Tier){
	"elementwise": elementwise,
	"sigmoid":     sigmoidFamily,
	"softmax":     softmaxFamily,
	"confusion":   confusionFamily,
	"roofline":    roofline,
	"soft":        softFamily,
	"edt":         edtFamily,
}

func main() {
	flag.Parse()
	gen, ok := families[*family]
	if !ok {
		fmt.Fprintf(os.Stderr, "amd64: unknown -family %q\n", *family)
		os.Exit(2)
	}
	ConstraintExpr("!purego")
	consts := newConstTable(*family + "consts")
	for _, t := range tiers {
		if only := os.Getenv("SEGLOSS_GEN_ONLY"); only != "" && only != t.Name {
			continue
		}
		t.consts = consts
		gen(t)
	}
	consts.emit()
	Generate()
}

// ptr is a pointer register advanced by elem bytes per lane.
type ptr struct {
	r    GPVirtual
	elem int
}

// stream emits a loop over n lanes (n is consumed): body runs on full
// vectors with tail == nil, then once on the last n % L lanes with a tail
// mask (rem holds their count). Every pointer advances by L elements per
// full vector.
func (t *Tier) stream(n GPVirtual, ps []ptr, body func(tail *Mask, rem GPVirtual)) {
	loop, tail, done := newLabel("loop"), newLabel("tail"), newLabel("done")
	Label(loop)
	CMPQ(n, U32(t.L))
	JB(LabelRef(tail))
	t.nslot = 0
	body(nil, nil)
	for _, p := range ps {
		ADDQ(U32(t.L*p.elem), p.r)
	}
	SUBQ(U32(t.L), n)
	JMP(LabelRef(loop))
	Label(tail)
	TESTQ(n, n)
	JZ(LabelRef(done))
	cnt := GP64()
	MOVQ(n, cnt)
	m := t.tailMask(cnt)
	t.nslot = 0
	body(m, n)
	Label(done)
}

func sliceArgs(names ...string) []GPVirtual {
	var rs []GPVirtual
	for _, n := range names {
		rs = append(rs, Load(Param(n).Base(), GP64()).(GPVirtual))
	}
	return rs
}

// elementwise: dst[i] = f(x[i]) for i < len(dst).
func elementwise(t *Tier) {
	for _, k := range []struct {
		name string
		doc  string
		f    func(x Register) VecVirtual
	}{
		{"Exp", "exp(x[i])", func(x Register) VecVirtual { return t.exp(x, expOpts{}) }},
		{"Log", "log(x[i])", func(x Register) VecVirtual { return t.log(x, logOpts{}) }},
		{"Sigmoid", "1/(1+exp(-x[i]))", t.sigmoid},
	} {
		t.text(k.name+t.Name, "func(dst, x []float32)")
		t.doc(fmt.Sprintf("%s%s writes %s into dst[i] for i < len(dst) (x at least as long), as internal/kernels/math.go computes it.", k.name, t.Name, k.doc))
		p := sliceArgs("dst", "x")
		n := Load(Param("dst").Len(), GP64()).(GPVirtual)
		t.stream(n, []ptr{{p[0], 4}, {p[1], 4}}, func(tail *Mask, _ GPVirtual) {
			x := t.V()
			t.load(Mem{Base: p[1]}, x, tail)
			y := k.f(x)
			t.store(y, Mem{Base: p[0]}, tail)
		})
		end()
	}
}

// arg returns the memory operand of a scalar parameter.
func arg(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
