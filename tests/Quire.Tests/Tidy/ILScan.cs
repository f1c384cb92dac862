// ILScan: walks a method body's IL instruction by instruction (ECMA-335 III) and hands every
// metadata token operand (a type, method, field or signature it names) to the caller, so the
// layering test sees what a body calls, creates, casts to and loads, not only its signature.
//
// Locking: stateless.
// Invariants: every opcode's operand size is known, so the walk stays on instruction boundaries;
// a walk that does not end exactly at the end of the body fails the test rather than read
// operands as opcodes.

using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Quire.Tests.Tidy;

internal static class ILScan
{
    /// <summary>Calls <paramref name="onToken"/> with the offset, opcode and operand of each instruction whose operand is a metadata token (string literals excluded).</summary>
    public static void Tokens(MethodBodyBlock body, Action<int, ILOpCode, EntityHandle> onToken)
    {
        BlobReader il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            int offset = il.Offset;
            int code = il.ReadByte();
            if (code == 0xFE)
            {
                code = 0xFE00 | il.ReadByte();
            }

            var opCode = (ILOpCode)code;
            switch (OperandOf(opCode))
            {
                case Operand.Token:
                    int token = il.ReadInt32();
                    if (opCode != ILOpCode.Ldstr)
                    {
                        onToken(offset, opCode, MetadataTokens.EntityHandle(token));
                    }

                    break;
                case Operand.Switch:
                    int targets = il.ReadInt32();
                    Assert.InRange(targets, 0, il.RemainingBytes / 4);
                    il.Offset += targets * 4;
                    break;
                case Operand operand:
                    il.Offset += (int)operand;
                    break;
            }
        }

        Assert.Equal(0, il.RemainingBytes);
    }

    // The operand's size in bytes, or a kind whose size is not fixed.
    private enum Operand
    {
        None = 0,
        Byte = 1,
        Short = 2,
        Int = 4,
        Long = 8,
        Token = -1,
        Switch = -2,
    }

    private static Operand OperandOf(ILOpCode opCode) => opCode switch
    {
        ILOpCode.Ldarg_s or ILOpCode.Ldarga_s or ILOpCode.Starg_s or ILOpCode.Ldloc_s or ILOpCode.Ldloca_s
            or ILOpCode.Stloc_s or ILOpCode.Ldc_i4_s or ILOpCode.Unaligned
            or ILOpCode.Br_s or ILOpCode.Brfalse_s or ILOpCode.Brtrue_s or ILOpCode.Beq_s or ILOpCode.Bge_s
            or ILOpCode.Bgt_s or ILOpCode.Ble_s or ILOpCode.Blt_s or ILOpCode.Bne_un_s or ILOpCode.Bge_un_s
            or ILOpCode.Bgt_un_s or ILOpCode.Ble_un_s or ILOpCode.Blt_un_s or ILOpCode.Leave_s => Operand.Byte,
        ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Starg or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Stloc => Operand.Short,
        ILOpCode.Ldc_i4 or ILOpCode.Ldc_r4
            or ILOpCode.Br or ILOpCode.Brfalse or ILOpCode.Brtrue or ILOpCode.Beq or ILOpCode.Bge or ILOpCode.Bgt
            or ILOpCode.Ble or ILOpCode.Blt or ILOpCode.Bne_un or ILOpCode.Bge_un or ILOpCode.Bgt_un
            or ILOpCode.Ble_un or ILOpCode.Blt_un or ILOpCode.Leave => Operand.Int,
        ILOpCode.Ldc_i8 or ILOpCode.Ldc_r8 => Operand.Long,
        ILOpCode.Jmp or ILOpCode.Call or ILOpCode.Calli or ILOpCode.Callvirt or ILOpCode.Cpobj or ILOpCode.Ldobj
            or ILOpCode.Ldstr or ILOpCode.Newobj or ILOpCode.Castclass or ILOpCode.Isinst or ILOpCode.Unbox
            or ILOpCode.Ldfld or ILOpCode.Ldflda or ILOpCode.Stfld or ILOpCode.Ldsfld or ILOpCode.Ldsflda
            or ILOpCode.Stsfld or ILOpCode.Stobj or ILOpCode.Box or ILOpCode.Newarr or ILOpCode.Ldelema
            or ILOpCode.Ldelem or ILOpCode.Stelem or ILOpCode.Unbox_any or ILOpCode.Refanyval or ILOpCode.Mkrefany
            or ILOpCode.Ldtoken or ILOpCode.Ldftn or ILOpCode.Ldvirtftn or ILOpCode.Initobj or ILOpCode.Constrained
            or ILOpCode.Sizeof => Operand.Token,
        ILOpCode.Switch => Operand.Switch,
        _ => Operand.None,
    };
}
