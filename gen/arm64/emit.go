package main

// The typed arm64 emitter. Every instruction function takes its operands in
// ARM order (destination first, as the Arm ARM writes them) and prints one
// line of Go assembly: Go's own mnemonic, with Go's reversed operand order,
// where the assembler has one, or WORD $0x........ with the instruction in
// ARM syntax as its comment where it has none (enc.go). emit_test.go
// decodes every WORD back with golang.org/x/arch/arm64/arm64asm and checks
// it against its comment.

import (
	"fmt"
	"strings"
)

// V is a SIMD&FP register V0-V31. Vector instructions use it with the
// arrangement their name implies (4S for float32 and int32 lanes, 16B for
// bitwise operations); scalar ones as S (F in Go syntax).
type V int

// R is a general-purpose register. R18 (platform), R26 (closure context),
// R27 (the assembler's scratch), R28 (g), R29 (frame pointer) and R30 (link
// register) are never handed out (regs.go).
type R int

func (v V) s4() string  { return fmt.Sprintf("V%d.S4", v) }
func (v V) b16() string { return fmt.Sprintf("V%d.B16", v) }
func (v V) f() string   { return fmt.Sprintf("F%d", v) }

// ARM-syntax names, for the comments of WORD lines.
func (v V) a4s() string  { return fmt.Sprintf("V%d.4S", v) }
func (v V) a16b() string { return fmt.Sprintf("V%d.16B", v) }

func (r R) String() string { return fmt.Sprintf("R%d", int(r)) }

// out collects the text of the file being generated.
var out strings.Builder

func line(format string, args ...any) {
	fmt.Fprintf(&out, "\t"+format+"\n", args...)
}

// ins prints a Go assembler instruction: mnemonic and operands (already in
// Go order).
func ins(mn string, ops ...string) {
	if len(ops) == 0 {
		line("%s", mn)
		return
	}
	line("%-7s %s", mn, strings.Join(ops, ", "))
}

// word prints an instruction Go's assembler has no mnemonic for.
func word(enc uint32, arm string) {
	line("WORD    $0x%08x // %s", enc, arm)
}

func comment(format string, args ...any) {
	fmt.Fprintf(&out, "\t// "+format+"\n", args...)
}

func imm(v int64) string { return fmt.Sprintf("$%d", v) }

func mem(base R, off int) string {
	if off == 0 {
		return fmt.Sprintf("(%v)", base)
	}
	return fmt.Sprintf("%d(%v)", off, base)
}

// ---- labels and branches ----------------------------------------------------

var labelSeq int

// newLabel returns a label name unique in the file.
func newLabel(p string) string {
	labelSeq++
	return fmt.Sprintf("%s_%d", p, labelSeq)
}

func label(l string) { fmt.Fprintf(&out, "%s:\n", l) }

// B branches to l unconditionally.
func B(l string) { ins("B", l) }

// Bcond branches on the flags: cond is EQ, NE, LT, LE, GT, GE, LO, LS, HI, HS.
func Bcond(cond, l string) { ins("B"+cond, l) }

// CBZ branches when r is zero, CBNZ when it is not.
func CBZ(r R, l string)  { ins("CBZ", r.String(), l) }
func CBNZ(r R, l string) { ins("CBNZ", r.String(), l) }

// TBZ branches when bit b of r is 0, TBNZ when it is 1.
func TBZ(r R, b int, l string)  { ins("TBZ", imm(int64(b)), r.String(), l) }
func TBNZ(r R, b int, l string) { ins("TBNZ", imm(int64(b)), r.String(), l) }

// ---- general-purpose registers ------------------------------------------------

// MOV Xd, Xn
func MOV(d, n R) { ins("MOVD", n.String(), d.String()) }

// MOVi loads a constant.
func MOVi(d R, v int64) { ins("MOVD", imm(v), d.String()) }

// ADD Xd, Xn, Xm
func ADD(d, n, m R) { ins("ADD", m.String(), n.String(), d.String()) }

// ADDlsl is ADD Xd, Xn, Xm, LSL #sh.
func ADDlsl(d, n, m R, sh int) { ins("ADD", fmt.Sprintf("%v<<%d", m, sh), n.String(), d.String()) }

// ADDi is ADD Xd, Xn, #v.
func ADDi(d, n R, v int64) { ins("ADD", imm(v), n.String(), d.String()) }

// SUB Xd, Xn, Xm
func SUB(d, n, m R) { ins("SUB", m.String(), n.String(), d.String()) }

// SUBi is SUB Xd, Xn, #v.
func SUBi(d, n R, v int64) { ins("SUB", imm(v), n.String(), d.String()) }

// SUBSi is SUBS Xd, Xn, #v (sets the flags).
func SUBSi(d, n R, v int64) { ins("SUBS", imm(v), n.String(), d.String()) }

// LSLi is LSL Xd, Xn, #sh.
func LSLi(d, n R, sh int) { ins("LSL", imm(int64(sh)), n.String(), d.String()) }

// MUL Xd, Xn, Xm
func MUL(d, n, m R) { ins("MUL", m.String(), n.String(), d.String()) }

// CMP Xn, Xm (flags of n - m).
func CMP(n, m R) { ins("CMP", m.String(), n.String()) }

// CMPW is CMP Wn, Wm.
func CMPW(n, m R) { ins("CMPW", m.String(), n.String()) }

// CMPi is CMP Xn, #v.
func CMPi(n R, v int64) { ins("CMP", imm(v), n.String()) }

// LDRW loads 32 bits sign-extended (LDRSW), LDRWU zero-extended, LDRB one
// byte zero-extended, LDR 64 bits; base + off, or base + (idx << sh) with
// the *x forms.
func LDRSW(d, base R, off int)      { ins("MOVW", mem(base, off), d.String()) }
func LDRB(d, base R, off int)       { ins("MOVBU", mem(base, off), d.String()) }
func LDRWU(d, base R, off int)      { ins("MOVWU", mem(base, off), d.String()) }
func LDR(d, base R, off int)        { ins("MOVD", mem(base, off), d.String()) }
func STR(s, base R, off int)        { ins("MOVD", s.String(), mem(base, off)) }
func LDRx(d, base, idx R, sh int)   { ins("MOVD", idxMem(base, idx, sh), d.String()) }
func STRx(s, base, idx R, sh int)   { ins("MOVD", s.String(), idxMem(base, idx, sh)) }
func LDRSWx(d, base, idx R, sh int) { ins("MOVW", idxMem(base, idx, sh), d.String()) }
func LDRBx(d, base, idx R)          { ins("MOVBU", idxMem(base, idx, 0), d.String()) }

func idxMem(base, idx R, sh int) string {
	if sh == 0 {
		return fmt.Sprintf("(%v)(%v)", base, idx)
	}
	return fmt.Sprintf("(%v)(%v<<%d)", base, idx, sh)
}

// ---- scalar floating point ------------------------------------------------------

// LDRS / STRS load and store one float32 (S register) at base+off; the *x
// forms at base + idx*4.
func LDRS(d V, base R, off int) { ins("FMOVS", mem(base, off), d.f()) }
func STRS(s V, base R, off int) { ins("FMOVS", s.f(), mem(base, off)) }
func LDRSx(d V, base, idx R)    { ins("FMOVS", idxMem(base, idx, 2), d.f()) }
func STRSx(s V, base, idx R)    { ins("FMOVS", s.f(), idxMem(base, idx, 2)) }

// LDRQ / STRQ load and store a whole vector register at base+off.
func LDRQ(d V, base R, off int) { ins("FMOVQ", mem(base, off), d.f()) }
func STRQ(s V, base R, off int) { ins("FMOVQ", s.f(), mem(base, off)) }

// FADDs is the scalar FADD Sd, Sn, Sm; FMULs, FSUBs and FDIVs likewise.
func FADDs(d, n, m V) { ins("FADDS", m.f(), n.f(), d.f()) }
func FSUBs(d, n, m V) { ins("FSUBS", m.f(), n.f(), d.f()) }
func FMULs(d, n, m V) { ins("FMULS", m.f(), n.f(), d.f()) }
func FDIVs(d, n, m V) { ins("FDIVS", m.f(), n.f(), d.f()) }

// SCVTFs is SCVTF Sd, Wn (int32 to float32); UCVTF with a 64-bit register
// is not needed.
func SCVTFs(d V, n R) { ins("SCVTFWS", n.String(), d.f()) }

// ---- vector: Go mnemonics -----------------------------------------------------------

// VLD1 loads a whole vector from (base); VLD1post also advances base by 16.
func VLD1(d V, base R)     { ins("VLD1", mem(base, 0), "["+d.s4()+"]") }
func VLD1post(d V, base R) { ins("VLD1.P", mem(base, 16), "["+d.s4()+"]") }

// VST1 stores a whole vector at (base); VST1post also advances base by 16.
func VST1(s V, base R)     { ins("VST1", "["+s.s4()+"]", mem(base, 0)) }
func VST1post(s V, base R) { ins("VST1.P", "["+s.s4()+"]", mem(base, 16)) }

// VLD1x4post loads 64 bytes into d, d+1, d+2, d+3 and advances base by 64;
// VST1x4post stores them.
// VLD1x2 and VST1x2 load and store two registers, d and d+1, at base.
func VLD1x2(d V, base R) {
	chk(d, d+1)
	ins("VLD1", mem(base, 0), fmt.Sprintf("[%s, %s]", d.s4(), (d+1).s4()))
}
func VST1x2(s V, base R) {
	chk(s, s+1)
	ins("VST1", fmt.Sprintf("[%s, %s]", s.s4(), (s+1).s4()), mem(base, 0))
}

func VLD1x4post(d V, base R) { ins("VLD1.P", mem(base, 64), "["+quad(d)+"]") }
func VST1x4post(s V, base R) { ins("VST1.P", "["+quad(s)+"]", mem(base, 64)) }

func quad(v V) string {
	if v < 0 || v > 28 {
		panic("bad register quad")
	}
	return fmt.Sprintf("%s, %s, %s, %s", v.s4(), (v + 1).s4(), (v + 2).s4(), (v + 3).s4())
}

// LD1lane is LD1 {Vd.S}[i], [Xn]: one float32 into lane i, the others kept.
func LD1lane(d V, i int, base R) { ins("VLD1", mem(base, 0), fmt.Sprintf("V%d.S[%d]", d, i)) }

// ST1lane is ST1 {Vs.S}[i], [Xn]: lane i to memory.
func ST1lane(s V, i int, base R) { ins("VST1", fmt.Sprintf("V%d.S[%d]", s, i), mem(base, 0)) }

// LD1Rpost is LD1R {Vd.4S}, [Xn], #4: one float32 into every lane, base
// advanced by 4.
func LD1R(d V, base R) { ins("VLD1R", mem(base, 0), "["+d.s4()+"]") }

// ADD4S is the integer ADD Vd.4S, Vn.4S, Vm.4S; SUB4S likewise.
func ADD4S(d, n, m V) { ins("VADD", m.s4(), n.s4(), d.s4()) }
func SUB4S(d, n, m V) { ins("VSUB", m.s4(), n.s4(), d.s4()) }

// UMAX is UMAX Vd.4S, Vn.4S, Vm.4S: the larger unsigned int32 of each lane
// pair (of float32 lanes: the larger bit pattern).
func UMAX(d, n, m V) { ins("VUMAX", m.s4(), n.s4(), d.s4()) }

// CMEQ4S is CMEQ Vd.4S, Vn.4S, Vm.4S: all ones where the int32 lanes are
// equal.
func CMEQ4S(d, n, m V) { ins("VCMEQ", m.s4(), n.s4(), d.s4()) }

// AND, ORR and EOR are the bitwise operations on 16B.
func AND(d, n, m V) { ins("VAND", m.b16(), n.b16(), d.b16()) }
func ORR(d, n, m V) { ins("VORR", m.b16(), n.b16(), d.b16()) }
func EOR(d, n, m V) { ins("VEOR", m.b16(), n.b16(), d.b16()) }

// BSL is BSL Vd.16B, Vn.16B, Vm.16B: d = d ? n : m bit by bit (d is the
// mask). BIT inserts n into d where m is set; BIF where m is clear.
func BSL(d, n, m V) { ins("VBSL", m.b16(), n.b16(), d.b16()) }
func BIT(d, n, m V) { ins("VBIT", m.b16(), n.b16(), d.b16()) }
func BIF(d, n, m V) { ins("VBIF", m.b16(), n.b16(), d.b16()) }

// MOVv is MOV Vd.16B, Vn.16B.
func MOVv(d, n V) { ins("VMOV", n.b16(), d.b16()) }

// ZERO clears a vector register.
func ZERO(d V) { EOR(d, d, d) }

// USHR4S is USHR Vd.4S, Vn.4S, #sh; SHL4S is SHL Vd.4S, Vn.4S, #sh.
func USHR4S(d, n V, sh int) { ins("VUSHR", imm(int64(sh)), n.s4(), d.s4()) }
func SHL4S(d, n V, sh int)  { ins("VSHL", imm(int64(sh)), n.s4(), d.s4()) }

// FMLA is FMLA Vd.4S, Vn.4S, Vm.4S: d += n*m, rounded once. FMLS: d -= n*m.
func FMLA(d, n, m V) { ins("VFMLA", m.s4(), n.s4(), d.s4()) }
func FMLS(d, n, m V) { ins("VFMLS", m.s4(), n.s4(), d.s4()) }

// DUPr is DUP Vd.4S, Wn; DUPe is DUP Vd.4S, Vn.S[i].
func DUPr(d V, n R)      { ins("VDUP", n.String(), d.s4()) }
func DUPe(d, n V, i int) { ins("VDUP", fmt.Sprintf("V%d.S[%d]", n, i), d.s4()) }

// UMOV is UMOV Wd, Vn.S[i] (zero-extended into Xd); INSr is INS Vd.S[i], Wn.
func UMOV(d R, n V, i int) { ins("VMOV", fmt.Sprintf("V%d.S[%d]", n, i), d.String()) }
func INSr(d V, i int, n R) { ins("VMOV", n.String(), fmt.Sprintf("V%d.S[%d]", d, i)) }

// INSe is INS Vd.S[i], Vn.S[j] (MOV element).
func INSe(d V, i int, n V, j int) {
	ins("VMOV", fmt.Sprintf("V%d.S[%d]", n, j), fmt.Sprintf("V%d.S[%d]", d, i))
}

// UXTL8 is UXTL Vd.8H, Vn.8B; UXTL16 is UXTL Vd.4S, Vn.4H.
func UXTL8(d, n V)  { ins("VUXTL", fmt.Sprintf("V%d.B8", n), fmt.Sprintf("V%d.H8", d)) }
func UXTL16(d, n V) { ins("VUXTL", fmt.Sprintf("V%d.H4", n), d.s4()) }

// ADDV4S is ADDV Sd, Vn.4S: the sum of the int32 lanes into lane 0.
func ADDV4S(d, n V) { ins("VADDV", n.s4(), fmt.Sprintf("V%d", d)) }

// LSLr and LSRr shift n by the register m: d = n << m, n >> m (logical).
func LSLr(d, n, m R) { ins("LSL", m.String(), n.String(), d.String()) }
func LSRr(d, n, m R) { ins("LSR", m.String(), n.String(), d.String()) }

// ANDi, ORRr: d = n & v, n | m.
func ANDi(d, n R, v int64) { ins("AND", imm(v), n.String(), d.String()) }
func ORRr(d, n, m R)       { ins("ORR", m.String(), n.String(), d.String()) }

// TSTi is TST Xn, #v (flags of n & v; v a bitmask immediate).
func TSTi(n R, v int64) { ins("TST", imm(v), n.String()) }
