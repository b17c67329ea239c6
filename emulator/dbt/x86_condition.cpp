#include "emulator/dbt/x86_condition.h"

#include <capstone/capstone.h>

namespace vl::emu::dbt {

std::optional<X86Cond> x86ConditionOf(unsigned id) {
    switch (id) {
    case X86_INS_JO: case X86_INS_SETO: case X86_INS_CMOVO: return X86Cond::O;
    case X86_INS_JNO: case X86_INS_SETNO: case X86_INS_CMOVNO: return X86Cond::NO;
    case X86_INS_JB: case X86_INS_SETB: case X86_INS_CMOVB: return X86Cond::B;
    case X86_INS_JAE: case X86_INS_SETAE: case X86_INS_CMOVAE: return X86Cond::AE;
    case X86_INS_JE: case X86_INS_SETE: case X86_INS_CMOVE: return X86Cond::E;
    case X86_INS_JNE: case X86_INS_SETNE: case X86_INS_CMOVNE: return X86Cond::NE;
    case X86_INS_JBE: case X86_INS_SETBE: case X86_INS_CMOVBE: return X86Cond::BE;
    case X86_INS_JA: case X86_INS_SETA: case X86_INS_CMOVA: return X86Cond::A;
    case X86_INS_JS: case X86_INS_SETS: case X86_INS_CMOVS: return X86Cond::S;
    case X86_INS_JNS: case X86_INS_SETNS: case X86_INS_CMOVNS: return X86Cond::NS;
    case X86_INS_JP: case X86_INS_SETP: case X86_INS_CMOVP: return X86Cond::P;
    case X86_INS_JNP: case X86_INS_SETNP: case X86_INS_CMOVNP: return X86Cond::NP;
    case X86_INS_JL: case X86_INS_SETL: case X86_INS_CMOVL: return X86Cond::L;
    case X86_INS_JGE: case X86_INS_SETGE: case X86_INS_CMOVGE: return X86Cond::GE;
    case X86_INS_JLE: case X86_INS_SETLE: case X86_INS_CMOVLE: return X86Cond::LE;
    case X86_INS_JG: case X86_INS_SETG: case X86_INS_CMOVG: return X86Cond::G;
    default: return std::nullopt;
    }
}

std::optional<Cond> hostCondition(X86Cond cc) {
    switch (cc) {
    case X86Cond::O: return Cond::VS;
    case X86Cond::NO: return Cond::VC;
    case X86Cond::B: return Cond::LO;   // CF=1 <=> C=0
    case X86Cond::AE: return Cond::HS;
    case X86Cond::E: return Cond::EQ;
    case X86Cond::NE: return Cond::NE;
    case X86Cond::BE: return Cond::LS;  // CF=1 or ZF=1 <=> C=0 or Z=1
    case X86Cond::A: return Cond::HI;
    case X86Cond::S: return Cond::MI;
    case X86Cond::NS: return Cond::PL;
    case X86Cond::L: return Cond::LT;
    case X86Cond::GE: return Cond::GE;
    case X86Cond::LE: return Cond::LE;
    case X86Cond::G: return Cond::GT;
    case X86Cond::P: case X86Cond::NP: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace vl::emu::dbt
