package main

import (
	"fmt"
	"math"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Tier describes one instruction-set tier. Every kernel is written once
// against a Tier; the AVX2 and AVX-512 versions differ only in what these
// methods emit (vector width, masks in K registers or in vector lanes,
// VSCALEFPS or exponent arithmetic).
type Tier struct {
	Name   string // suffix of the generated functions: AVX2, AVX512
	L      int    // float32 lanes per vector
	avx512 bool
	consts *constTable

	// Stack slots of keep: reused by every copy of a loop body (stream
	// emits the body twice), reset by each TEXT (fn).
	slots []Mem
	nslot int
	fn    string
	docs  []string // the current kernel's doc lines (doc, docMore)
	// kreg holds the constants hoisted into registers (hoistExp): Fk
	// returns them, F always the memory operand.
	kreg map[uint32]Register
}

var (
	tierAVX2   = &Tier{Name: "AVX2", L: 8}
	tierAVX512 = &Tier{Name: "AVX512", L: 16, avx512: true}
	tiers      = []*Tier{tierAVX2, tierAVX512}
)

// W is the vector width in bytes.
func (t *Tier) W() int { return 4 * t.L }

// V allocates a vector register of the tier's width.
func (t *Tier) V() VecVirtual {
	if t.avx512 {
		return ZMM()
	}
	return YMM()
}

// Mask is a lane predicate: a K register on AVX-512, an all-ones/all-zeros
// vector on AVX2. A nil *Mask means every lane.
type Mask struct {
	k Register // AVX-512
	v Register // AVX2
}

func (t *Tier) newMask() *Mask {
	if t.avx512 {
		return &Mask{k: K()}
	}
	return &Mask{v: t.V()}
}

// ---- constants ----------------------------------------------------------

// constTable is a read-only table of vectors, each entry 64 bytes (one ZMM,
// or a YMM followed by 32 unused bytes), so that every constant is a full
// width memory operand on both tiers.
type constTable struct {
	name  string
	mem   Mem
	index map[string]int
	vals  [][16]uint32
}

func newConstTable(name string) *constTable {
	return &constTable{name: name, index: map[string]int{}}
}

func (c *constTable) get(key string, bits [16]uint32) Mem {
	i, ok := c.index[key]
	if !ok {
		i = len(c.vals)
		c.index[key] = i
		c.vals = append(c.vals, bits)
	}
	return Mem{Symbol: Symbol{Name: c.name, Static: true}, Base: StaticBase, Disp: 64 * i}
}

// emit writes the table's DATA (call once, after every kernel used it).
func (c *constTable) emit() {
	if len(c.vals) == 0 {
		return
	}
	GLOBL(c.name, RODATA|NOPTR)
	for i, v := range c.vals {
		for j, w := range v {
			DATA(64*i+4*j, U32(w))
		}
	}
}

// F returns a vector of v (float32) in every lane.
func (t *Tier) F(v float32) Mem {
	b := math.Float32bits(v)
	var a [16]uint32
	for i := range a {
		a[i] = b
	}
	return t.consts.get(fmt.Sprintf("f%08x", b), a)
}

// I returns a vector of v (int32) in every lane.
func (t *Tier) I(v uint32) Mem {
	var a [16]uint32
	for i := range a {
		a[i] = v
	}
	return t.consts.get(fmt.Sprintf("f%08x", v), a)
}

// ramp returns a table of 32 int32: 16 x -1 then 16 x 0. Loading a vector at
// byte offset (L-n)*4 gives a mask of the first n lanes (AVX2 tails).
func (t *Tier) ramp() Mem {
	var a, b [16]uint32
	for i := range a {
		a[i] = 0xffffffff
	}
	m := t.consts.get("ramp0", a)
	t.consts.get("ramp1", b)
	return m
}

// ---- masks ----------------------------------------------------------------

// tailMask returns a mask of the first n lanes, 0 < n < L (n is clobbered
// on AVX2).
func (t *Tier) tailMask(n GPVirtual) *Mask {
	m := t.newMask()
	if t.avx512 {
		r := GP32()
		MOVL(U32(0xffff), r)
		BZHIL(n.As32(), r, r)
		KMOVW(r, m.k)
		return m
	}
	base := GP64()
	LEAQ(t.ramp(), base)
	NEGQ(n)
	VMOVDQU(Mem{Base: base, Index: n, Scale: 4, Disp: 64}, m.v)
	return m
}

// cmp returns the mask of lanes where a pred b (a a register, b a register or
// memory operand).
func (t *Tier) cmp(pred uint8, a Register, b Op) *Mask {
	m := t.newMask()
	if t.avx512 {
		VCMPPS(U8(pred), b, a, m.k)
	} else {
		VCMPPS(U8(pred), b, a, m.v)
	}
	return m
}

// cmpInto is cmp writing into an existing mask.
func (t *Tier) cmpInto(pred uint8, a Register, b Op, m *Mask) {
	if t.avx512 {
		VCMPPS(U8(pred), b, a, m.k)
	} else {
		VCMPPS(U8(pred), b, a, m.v)
	}
}

// eqD returns the mask of lanes where the int32 lanes of a and b are equal.
func (t *Tier) eqD(a Register, b Op) *Mask {
	m := t.newMask()
	t.eqDInto(a, b, m)
	return m
}

func (t *Tier) eqDInto(a Register, b Op, m *Mask) {
	if t.avx512 {
		VPCMPEQD(b, a, m.k)
	} else {
		VPCMPEQD(b, a, m.v)
	}
}

// Comparison predicates (VCMPPS imm8).
const (
	cmpEQ    = 0x00 // EQ_OQ
	cmpLT    = 0x01 // LT_OS
	cmpLE    = 0x02 // LE_OS
	cmpUNORD = 0x03
	cmpNEQ   = 0x04 // NEQ_UQ
	cmpNLT   = 0x05 // NLT_US: not less than, or unordered
	cmpGT    = 0x0e // GT_OS
	cmpGE    = 0x0d // GE_OS
)

// andMask sets d = a & b.
func (t *Tier) andMask(a, b, d *Mask) {
	if t.avx512 {
		KANDW(a.k, b.k, d.k)
	} else {
		VPAND(a.v, b.v, d.v)
	}
}

// andNotMask sets d = b &^ a (lanes of b not in a).
func (t *Tier) andNotMask(a, b, d *Mask) {
	if t.avx512 {
		KANDNW(b.k, a.k, d.k)
	} else {
		VPANDN(b.v, a.v, d.v)
	}
}

// orMask sets d = a | b.
func (t *Tier) orMask(a, b, d *Mask) {
	if t.avx512 {
		KORW(a.k, b.k, d.k)
	} else {
		VPOR(a.v, b.v, d.v)
	}
}

// sel sets d = m ? a : b (a register or memory, b a register).
func (t *Tier) sel(m *Mask, a Op, b Register, d Register) {
	if t.avx512 {
		VBLENDMPS(a, b, m.k, d)
	} else {
		VBLENDVPS(m.v, a, b, d)
	}
}

// setWhere sets d = m ? a : d (a register or memory).
func (t *Tier) setWhere(m *Mask, a Op, d Register) {
	if t.avx512 {
		VMOVUPS(a, m.k, d)
	} else {
		VBLENDVPS(m.v, a, d, d)
	}
}

// zeroWhere sets d = m ? 0 : d.
func (t *Tier) zeroWhere(m *Mask, d Register) {
	if t.avx512 {
		VXORPS(d, d, m.k, d)
	} else {
		VANDNPS(d, m.v, d)
	}
}

// keepWhere sets d = m ? d : 0.
func (t *Tier) keepWhere(m *Mask, d Register) {
	if t.avx512 {
		VMOVAPS_Z(d, m.k, d)
	} else {
		VANDPS(m.v, d, d)
	}
}

// addWhere sets d += m ? a : 0 (a a register).
func (t *Tier) addWhere(m *Mask, a Register, d Register) {
	if t.avx512 {
		VADDPS(a, d, m.k, d)
		return
	}
	tmp := t.V()
	VANDPS(m.v, a, tmp)
	VADDPS(tmp, d, d)
}

// subWhere sets d -= m ? a : 0 (a a register).
func (t *Tier) subWhere(m *Mask, a Register, d Register) {
	if t.avx512 {
		VSUBPS(a, d, m.k, d)
		return
	}
	tmp := t.V()
	VANDPS(m.v, a, tmp)
	VSUBPS(tmp, d, d)
}

// ---- memory -----------------------------------------------------------------

// load loads a vector of float32 (int32) from m; with a mask, the lanes
// outside it read as 0 and their memory is not touched.
func (t *Tier) load(m Mem, d Register, k *Mask) {
	switch {
	case k == nil:
		VMOVUPS(m, d)
	case t.avx512:
		VMOVUPS_Z(m, k.k, d)
	default:
		VMASKMOVPS(m, k.v, d)
	}
}

// store stores the lanes of v in the mask (every lane without one) to m.
func (t *Tier) store(v Register, m Mem, k *Mask) {
	switch {
	case k == nil:
		VMOVUPS(v, m)
	case t.avx512:
		VMOVUPS(v, k.k, m)
	default:
		VMASKMOVPS(v, k.v, m)
	}
}

// loadLabels loads L labels at m into int32 lanes: u8 labels are
// zero-extended. With n (the number of valid labels, 0 < n < L) only those
// bytes are read; n is preserved.
func (t *Tier) loadLabels(m Mem, u8 bool, d Register, tail *Mask, n GPVirtual) {
	switch {
	case !u8 && tail == nil && t.avx512:
		VMOVDQU32(m, d)
	case !u8 && tail == nil:
		VMOVDQU(m, d)
	case !u8 && t.avx512:
		VMOVDQU32_Z(m, tail.k, d)
	case !u8:
		VPMASKMOVD(m, tail.v, d)
	case tail == nil && t.avx512:
		VPMOVZXBD(m, d)
	case tail == nil:
		VPMOVZXBD(m, d)
	case t.avx512:
		x := XMM()
		VMOVDQU8_Z(m, tail.k, x)
		VPMOVZXBD(x, d)
	default:
		// AVX2 has no byte-masked load: gather the n bytes into a GPR.
		acc, j, b := GP64(), GP64(), GP64()
		XORQ(acc, acc)
		MOVQ(n, j)
		lbl := newLabel("lab8")
		Label(lbl)
		DECQ(j)
		SHLQ(U8(8), acc)
		MOVBQZX(Mem{Base: m.Base, Index: j, Scale: 1, Disp: m.Disp}, b)
		ORQ(b, acc)
		TESTQ(j, j)
		JNZ(LabelRef(lbl))
		x := XMM()
		VMOVQ(acc, x)
		VPMOVZXBD(x, d)
	}
}

var labelSeq int

func newLabel(p string) string {
	labelSeq++
	return fmt.Sprintf("%s_%d", p, labelSeq)
}

// bcast broadcasts the float32 at m into every lane of a new register.
func (t *Tier) bcast(m Mem) VecVirtual {
	d := t.V()
	VBROADCASTSS(m, d)
	return d
}

// hsum reduces the lanes of v to their sum in lane 0 of the returned XMM
// (v is clobbered).
func (t *Tier) hsum(v VecVirtual) VecVirtual {
	x := XMM()
	y := YMM()
	if t.avx512 {
		VEXTRACTF64X4(U8(1), v, y)
		VADDPS(y, v.AsY(), y)
	} else {
		VMOVAPS(v, y)
	}
	VEXTRACTF128(U8(1), y, x)
	VADDPS(x, y.AsX(), x)
	x2 := XMM()
	VMOVHLPS(x, x, x2)
	VADDPS(x2, x, x)
	VMOVSHDUP(x, x2)
	VADDSS(x2, x, x)
	return x
}

// end emits the epilogue of every kernel.
func end() {
	VZEROUPPER()
	RET()
}

// keep returns an operand that holds v for later use as a source operand:
// v itself on AVX-512, a stack slot on AVX2 (16 registers run out).
func (t *Tier) keep(v Register) Op {
	if t.avx512 {
		return v
	}
	if t.nslot == len(t.slots) {
		t.slots = append(t.slots, AllocLocal(t.W()))
	}
	m := t.slots[t.nslot]
	t.nslot++
	VMOVUPS(v, m)
	return m
}

// text starts a kernel: TEXT with NOSPLIT and the noescape pragma. Every
// kernel is unexported (its name's first letter in lower case): package asm
// exports checked entry points (asm/checked_amd64.go) that validate the
// lengths first.
func (t *Tier) text(name, sig string) {
	TEXT(unexported(name), NOSPLIT, sig)
	Pragma("noescape")
	t.slots, t.nslot, t.fn, t.docs, t.kreg = nil, 0, name, nil, nil
}

// unexported returns name with a lower-case first letter.
func unexported(name string) string {
	return strings.ToLower(name[:1]) + name[1:]
}

// doc is avo's Doc for the current kernel: a first line that starts with
// the kernel's name starts with its unexported name.
func (t *Tier) doc(lines ...string) {
	if len(lines) > 0 && strings.HasPrefix(lines[0], t.fn+" ") {
		lines[0] = unexported(t.fn) + lines[0][len(t.fn):]
	}
	t.docs = append([]string(nil), lines...)
	Doc(lines...)
}

// docMore adds lines to the current kernel's doc (a second doc replaces
// the first: avo's Doc sets a function's whole comment).
func (t *Tier) docMore(lines ...string) {
	t.docs = append(t.docs, lines...)
	Doc(t.docs...)
}

// ld returns op in a register: op itself, or a fresh register loaded from it.
func (t *Tier) ld(op Op) Register {
	if r, ok := op.(Register); ok {
		return r
	}
	v := t.V()
	VMOVUPS(op, v)
	return v
}

// cp returns a fresh register holding a copy of op.
func (t *Tier) cp(op Op) VecVirtual {
	v := t.V()
	if _, ok := op.(Register); ok {
		VMOVAPS(op, v)
	} else {
		VMOVUPS(op, v)
	}
	return v
}
