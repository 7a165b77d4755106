package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// The kernel kit: register pools, the constant table, TEXT and arguments,
// streaming loops with bounded tails, partial loads and stores.

// ---- register pools -------------------------------------------------------------

// allocatable general-purpose registers: R0-R17 and R19-R25.
var gprs = func() []R {
	var rs []R
	for r := R(0); r <= 25; r++ {
		if r != 18 {
			rs = append(rs, r)
		}
	}
	return rs
}()

type fnState struct {
	name   string
	vfree  map[V]bool
	rfree  map[R]bool
	pinned map[uint32]V
	kbase  R      // holds the address of the constant table
	kmark  string // where its load goes
	frame  int
}

var fn *fnState

// vget allocates a vector register.
func vget() V {
	for v := V(0); v < 32; v++ {
		if fn.vfree[v] {
			fn.vfree[v] = false
			return v
		}
	}
	panic(fn.name + ": out of vector registers")
}

// vput releases vector registers (pinned constants stay).
func vput(vs ...V) {
	for _, v := range vs {
		if isPinned(v) {
			continue
		}
		if fn.vfree[v] {
			panic(fmt.Sprintf("%s: V%d released twice", fn.name, v))
		}
		fn.vfree[v] = true
	}
}

func isPinned(v V) bool {
	for _, p := range fn.pinned {
		if p == v {
			return true
		}
	}
	return false
}

// rget allocates a general-purpose register.
func rget() R {
	for _, r := range gprs {
		if fn.rfree[r] {
			fn.rfree[r] = false
			return r
		}
	}
	panic(fn.name + ": out of general registers")
}

func rput(rs ...R) {
	for _, r := range rs {
		if fn.rfree[r] {
			panic(fmt.Sprintf("%s: R%d released twice", fn.name, r))
		}
		fn.rfree[r] = true
	}
}

// ---- constants -----------------------------------------------------------------

// consts is the file's read-only table: 16 bytes per constant (the value in
// every lane), loaded with one LDR Q.
var consts = struct {
	index map[string]int
	vals  [][4]uint32
}{index: map[string]int{}}

func constSlot(key string, v [4]uint32) int {
	if i, ok := consts.index[key]; ok {
		return i
	}
	consts.vals = append(consts.vals, v)
	consts.index[key] = len(consts.vals) - 1
	return len(consts.vals) - 1
}

func splat(b uint32) [4]uint32 { return [4]uint32{b, b, b, b} }

// K returns a register holding bits in every lane: the pinned register, or
// a fresh one loaded from the table (release it with vput).
func K(bits uint32) V {
	if v, ok := fn.pinned[bits]; ok {
		return v
	}
	v := vget()
	LDRQ(v, fn.kbase, 16*constSlot(fmt.Sprintf("%08x", bits), splat(bits)))
	return v
}

// Kf returns a register holding f in every lane.
func Kf(f float32) V { return K(math.Float32bits(f)) }

// KfInto loads f into an allocated register d.
func KfInto(d V, f float32) {
	b := math.Float32bits(f)
	if v, ok := fn.pinned[b]; ok {
		MOVv(d, v)
		return
	}
	LDRQ(d, fn.kbase, 16*constSlot(fmt.Sprintf("%08x", b), splat(b)))
}

// pin loads constants into registers kept for the whole function.
func pin(bits ...uint32) {
	for _, b := range bits {
		if _, ok := fn.pinned[b]; ok {
			continue
		}
		v := K(b)
		fn.pinned[b] = v
	}
}

func pinf(fs ...float32) {
	for _, f := range fs {
		pin(math.Float32bits(f))
	}
}

// pinScope pins constants and returns the function that releases them.
func pinScope(bits ...uint32) func() {
	var added []uint32
	for _, b := range bits {
		if _, ok := fn.pinned[b]; !ok {
			added = append(added, b)
		}
	}
	pin(added...)
	return func() {
		for _, b := range added {
			v := fn.pinned[b]
			delete(fn.pinned, b)
			vput(v)
		}
	}
}

// unpin releases every pinned register.
func unpin() {
	for b, v := range fn.pinned {
		delete(fn.pinned, b)
		vput(v)
	}
}

// rampOffset returns the table offset of 4 all-ones lanes followed by 4
// zero lanes: the 16 bytes at offset 16-4n are a mask of the first n lanes.
func rampOffset() int {
	i := constSlot("ramp", [4]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)})
	j := constSlot("ramp0", [4]uint32{})
	if j != i+1 {
		panic("ramp table not contiguous")
	}
	return 16 * i
}

// emitConsts writes the table (after every function used it).
func emitConsts(sym string) string {
	var b strings.Builder
	if len(consts.vals) == 0 {
		return ""
	}
	for i, v := range consts.vals {
		for j, w := range v {
			fmt.Fprintf(&b, "DATA %s<>+%d(SB)/4, $0x%08x\n", sym, 16*i+4*j, w)
		}
	}
	fmt.Fprintf(&b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n", sym, 16*len(consts.vals))
	return b.String()
}

// ---- functions and arguments -------------------------------------------------------

// Param is one argument of a kernel: its name and Go type.
type Param struct{ Name, Type string }

// Func describes a generated function: its name, doc comment, parameters
// and results (named ret, ret1, ... by go vet's convention when unnamed).
type Func struct {
	Name    string
	Doc     []string
	Params  []Param
	Results []Param
}

func sizeOf(typ string) int {
	switch {
	case strings.HasPrefix(typ, "[]"):
		return 24
	case strings.HasPrefix(typ, "*"), typ == "int", typ == "uint64", typ == "int64", typ == "uintptr":
		return 8
	case typ == "float32", typ == "int32", typ == "uint32":
		return 4
	case typ == "bool":
		return 1
	}
	panic("unknown type " + typ)
}

// layout returns the frame offset of every parameter and result (Go's
// ABI0: each aligned to its size, results from the next multiple of 8)
// and the size of the whole argument frame.
func (f *Func) layout() (map[string]int, int) {
	offs := map[string]int{}
	off := 0
	place := func(ps []Param) {
		for _, p := range ps {
			s := sizeOf(p.Type)
			a := min(s, 8)
			off = (off + a - 1) / a * a
			offs[p.Name] = off
			off += s
		}
	}
	place(f.Params)
	if len(f.Results) > 0 {
		off = (off + 7) / 8 * 8
		place(f.Results)
	}
	return offs, off // go vet's frame size: not rounded up after a float32
}

func (f *Func) argSize() int {
	_, n := f.layout()
	return n
}

func (f *Func) offset(name string) (int, string) {
	offs, _ := f.layout()
	for _, p := range append(append([]Param{}, f.Params...), f.Results...) {
		if p.Name == name {
			return offs[name], p.Type
		}
	}
	panic("no parameter " + name)
}

var funcs []*Func
var cur *Func

// begin starts a kernel: TEXT, NOSPLIT, no frame.
func begin(f *Func) {
	// Every kernel is unexported: package asm exports checked entry points
	// (asm/checked_arm64.go) that validate the lengths first.
	if len(f.Doc) > 0 && strings.HasPrefix(f.Doc[0], f.Name+" ") {
		f.Doc[0] = unexported(f.Name) + f.Doc[0][len(f.Name):]
	}
	f.Name = unexported(f.Name)
	funcs = append(funcs, f)
	cur = f
	fn = &fnState{name: f.Name, vfree: map[V]bool{}, rfree: map[R]bool{}, pinned: map[uint32]V{}}
	for v := V(0); v < 32; v++ {
		fn.vfree[v] = true
	}
	for _, r := range gprs {
		fn.rfree[r] = true
	}
	fmt.Fprintf(&out, "\n// func %s(%s\n", f.Name, f.sig())
	fmt.Fprintf(&out, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", f.Name, f.argSize())
	fn.kbase = rget()
	fn.kmark = fmt.Sprintf("\t// constants of %s\n", f.Name)
	out.WriteString(fn.kmark) // replaced by end: the table's address, when used
}

// end finishes a kernel.
func end() {
	ins("RET")
	text := out.String()
	load := ""
	if strings.Contains(text[strings.Index(text, fn.kmark):], "("+fn.kbase.String()+")") {
		load = fmt.Sprintf("\tMOVD    $%s<>(SB), %v\n", constSym, fn.kbase)
	}
	out.Reset()
	out.WriteString(strings.Replace(text, fn.kmark, load, 1))
	unpin()
	for v := V(0); v < 32; v++ {
		if !fn.vfree[v] {
			panic(fmt.Sprintf("%s: V%d still allocated at RET", fn.name, v))
		}
	}
}

func (f *Func) sig() string {
	var ps, rs []string
	for _, p := range f.Params {
		ps = append(ps, p.Name+" "+p.Type)
	}
	for _, r := range f.Results {
		rs = append(rs, r.Type)
	}
	switch len(rs) {
	case 0:
		return strings.Join(ps, ", ") + ")"
	case 1:
		return strings.Join(ps, ", ") + ") " + rs[0]
	}
	return strings.Join(ps, ", ") + ") (" + strings.Join(rs, ", ") + ")"
}

// argBase loads the base pointer of a slice argument; argLen its length.
func argBase(name string) R {
	off, _ := cur.offset(name)
	r := rget()
	ins("MOVD", fmt.Sprintf("%s_base+%d(FP)", name, off), r.String())
	return r
}

func argLen(name string) R {
	off, _ := cur.offset(name)
	r := rget()
	ins("MOVD", fmt.Sprintf("%s_len+%d(FP)", name, off+8), r.String())
	return r
}

// Kvec returns a fresh register holding the four lanes v (release it with
// vput).
func Kvec(v [4]uint32) V {
	d := vget()
	LDRQ(d, fn.kbase, 16*constSlot(fmt.Sprintf("%08x%08x%08x%08x", v[0], v[1], v[2], v[3]), v))
	return d
}

// argInt loads an int, uint64, int32 (sign-extended) or bool (0 or 1)
// argument.
func argInt(name string) R {
	off, typ := cur.offset(name)
	r := rget()
	if typ == "int32" {
		ins("MOVW", fmt.Sprintf("%s+%d(FP)", name, off), r.String())
	} else if typ == "bool" {
		ins("MOVBU", fmt.Sprintf("%s+%d(FP)", name, off), r.String())
	} else {
		ins("MOVD", fmt.Sprintf("%s+%d(FP)", name, off), r.String())
	}
	return r
}

// argF32 broadcasts a float32 argument into every lane of a new register.
func argF32(name string) V {
	off, _ := cur.offset(name)
	v := vget()
	ins("FMOVS", fmt.Sprintf("%s+%d(FP)", name, off), v.f())
	DUPe(v, v, 0)
	return v
}

// ---- streaming --------------------------------------------------------------------

// stream emits a loop over the n elements of float32 (or int32) streams:
// body runs on full vectors of 4 lanes (tail false), then once on the last
// n%4 lanes (tail true: n holds their count, 1 to 3). Each pointer
// advances by 16 bytes per full vector. n is consumed.
func stream(n R, ptrs []R, body func(tail bool)) {
	loop, tail, done := newLabel("loop"), newLabel("tail"), newLabel("done")
	label(loop)
	CMPi(n, 4)
	Bcond("LT", tail)
	body(false)
	for _, p := range ptrs {
		ADDi(p, p, 16)
	}
	SUBi(n, n, 4)
	B(loop)
	label(tail)
	CBZ(n, done)
	body(true)
	label(done)
}

// load loads 4 lanes at p, or with tail the first n lanes (the others 0),
// never touching memory past them.
func load(d V, p R, tail bool, n R) {
	if !tail {
		VLD1(d, p)
		return
	}
	ZERO(d)
	t := rget()
	skip := newLabel("ld")
	LD1lane(d, 0, p)
	for j := 1; j < 3; j++ {
		CMPi(n, int64(j+1))
		Bcond("LT", skip)
		ADDi(t, p, int64(4*j))
		LD1lane(d, j, t)
	}
	label(skip)
	rput(t)
}

// store stores 4 lanes at p, or with tail the first n.
func store(s V, p R, tail bool, n R) {
	if !tail {
		VST1(s, p)
		return
	}
	t := rget()
	skip := newLabel("st")
	ST1lane(s, 0, p)
	for j := 1; j < 3; j++ {
		CMPi(n, int64(j+1))
		Bcond("LT", skip)
		ADDi(t, p, int64(4*j))
		ST1lane(s, j, t)
	}
	label(skip)
	rput(t)
}

// tailMask returns a mask of the first n lanes (n in 1..3).
func tailMask(n R) V {
	m := vget()
	t := rget()
	ADDi(t, fn.kbase, int64(rampOffset()+16))
	ins("SUB", fmt.Sprintf("%v<<2", n), t.String(), t.String())
	VLD1(m, t)
	rput(t)
	return m
}

// lanes emits body for lane j = 0..3, or with tail for j < n only.
func lanes(tail bool, n R, body func(j int)) {
	done := newLabel("lanes")
	for j := 0; j < 4; j++ {
		if tail {
			if j == 3 {
				break
			}
			if j > 0 {
				CMPi(n, int64(j+1))
				Bcond("LT", done)
			}
		}
		body(j)
	}
	label(done)
}

// hsum returns a new register whose lane 0 holds the sum of v's lanes,
// (v0+v1)+(v2+v3).
func hsum(v V) V {
	s := vget()
	FADDP(s, v, v)
	FADDPs(s, s)
	return s
}

// acc adds v to the accumulator a, only the lanes of mask m when m >= 0.
func acc(a, v V, m V) {
	if m >= 0 {
		AND(v, v, m)
	}
	FADD(a, a, v)
}

const noMask V = -1

// sortedKeys is for deterministic output.
func sortedKeys[T any](m map[string]T) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// unexported returns name with a lower-case first letter.
func unexported(name string) string {
	return strings.ToLower(name[:1]) + name[1:]
}
