// ReferenceCollector: gathers every type of an assembly that one of its types references: base
// type, interfaces, generic constraints, attributes, field, property, event and method
// signatures, locals, caught exception types, explicit interface implementations, and every
// token in its method bodies' IL (calls, allocations, field accesses, casts, ldtoken), with
// generic instantiations (TypeSpecs, MethodSpecs, members of generic types) decoded to the types
// they are built from.
//
// Locking: none; one collector serves one thread and one type at a time.
// Invariants: only types defined in the assembly itself are collected (TypeDefinitionHandles);
// references to other assemblies cannot break Quire's layering and are ignored.

using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Quire.Tests.Tidy;

internal sealed class ReferenceCollector(PEReader peReader, MetadataReader reader, HashSet<TypeDefinitionHandle> found)
    : ISignatureTypeProvider<bool, object?>
{
    /// <summary>Adds to the set every type <paramref name="handle"/> references, its nested types excluded (they are collected on their own).</summary>
    public void CollectType(TypeDefinitionHandle handle)
    {
        TypeDefinition type = reader.GetTypeDefinition(handle);
        Entity(type.BaseType);
        foreach (InterfaceImplementationHandle implementation in type.GetInterfaceImplementations())
        {
            Entity(reader.GetInterfaceImplementation(implementation).Interface);
        }

        GenericParameters(type.GetGenericParameters());
        Attributes(type.GetCustomAttributes());
        foreach (FieldDefinitionHandle fieldHandle in type.GetFields())
        {
            FieldDefinition field = reader.GetFieldDefinition(fieldHandle);
            field.DecodeSignature(this, null);
            Attributes(field.GetCustomAttributes());
        }

        foreach (PropertyDefinitionHandle property in type.GetProperties())
        {
            reader.GetPropertyDefinition(property).DecodeSignature(this, null);
        }

        foreach (EventDefinitionHandle @event in type.GetEvents())
        {
            Entity(reader.GetEventDefinition(@event).Type);
        }

        foreach (MethodImplementationHandle implementation in type.GetMethodImplementations())
        {
            Entity(reader.GetMethodImplementation(implementation).MethodDeclaration);
        }

        foreach (MethodDefinitionHandle method in type.GetMethods())
        {
            Method(reader.GetMethodDefinition(method));
        }
    }

    /// <summary>Adds to the set every type one method references: its signature, locals, caught exceptions and IL.</summary>
    public void CollectMethod(MethodDefinitionHandle handle) => Method(reader.GetMethodDefinition(handle));

    private void Method(MethodDefinition method)
    {
        method.DecodeSignature(this, null);
        GenericParameters(method.GetGenericParameters());
        Attributes(method.GetCustomAttributes());
        if (method.RelativeVirtualAddress == 0)
        {
            return; // abstract, extern or an interface member: no body
        }

        MethodBodyBlock body = peReader.GetMethodBody(method.RelativeVirtualAddress);
        if (!body.LocalSignature.IsNil)
        {
            reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
        }

        foreach (ExceptionRegion region in body.ExceptionRegions)
        {
            Entity(region.CatchType);
        }

        ILScan.Tokens(body, (_, _, token) => Entity(token));
    }

    private void GenericParameters(GenericParameterHandleCollection parameters)
    {
        foreach (GenericParameterHandle parameter in parameters)
        {
            foreach (GenericParameterConstraintHandle constraint in reader.GetGenericParameter(parameter).GetConstraints())
            {
                Entity(reader.GetGenericParameterConstraint(constraint).Type);
            }
        }
    }

    private void Attributes(CustomAttributeHandleCollection attributes)
    {
        foreach (CustomAttributeHandle attribute in attributes)
        {
            Entity(reader.GetCustomAttribute(attribute).Constructor);
        }
    }

    // A type, a member (its declaring type and its signature) or a signature, by handle.
    private void Entity(EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                found.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                break;
            case HandleKind.MethodDefinition:
                MethodDefinition method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                found.Add(method.GetDeclaringType());
                method.DecodeSignature(this, null);
                break;
            case HandleKind.FieldDefinition:
                FieldDefinition field = reader.GetFieldDefinition((FieldDefinitionHandle)handle);
                found.Add(field.GetDeclaringType());
                field.DecodeSignature(this, null);
                break;
            case HandleKind.MemberReference:
                MemberReference member = reader.GetMemberReference((MemberReferenceHandle)handle);
                Entity(member.Parent);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    member.DecodeMethodSignature(this, null);
                }
                else
                {
                    member.DecodeFieldSignature(this, null);
                }

                break;
            case HandleKind.MethodSpecification:
                MethodSpecification specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                Entity(specification.Method);
                specification.DecodeSignature(this, null);
                break;
            case HandleKind.StandaloneSignature:
                StandaloneSignature signature = reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                if (signature.GetKind() == StandaloneSignatureKind.Method)
                {
                    signature.DecodeMethodSignature(this, null);
                }

                break;
            default:
                break; // a TypeReference or ModuleReference: another assembly
        }
    }

    // The signature decoder calls these for each type in a signature; the result is unused, the
    // side effect (collecting type definitions) is the point.
    public bool GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind) => found.Add(handle);

    public bool GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
    {
        metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        return false;
    }

    public bool GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) => false;

    public bool GetPrimitiveType(PrimitiveTypeCode typeCode) => false;

    public bool GetSZArrayType(bool elementType) => false;

    public bool GetArrayType(bool elementType, ArrayShape shape) => false;

    public bool GetByReferenceType(bool elementType) => false;

    public bool GetPointerType(bool elementType) => false;

    public bool GetPinnedType(bool elementType) => false;

    public bool GetGenericInstantiation(bool genericType, ImmutableArray<bool> typeArguments) => false;

    public bool GetGenericTypeParameter(object? genericContext, int index) => false;

    public bool GetGenericMethodParameter(object? genericContext, int index) => false;

    public bool GetFunctionPointerType(MethodSignature<bool> signature) => false;

    public bool GetModifiedType(bool modifier, bool unmodifiedType, bool isRequired) => false;
}
