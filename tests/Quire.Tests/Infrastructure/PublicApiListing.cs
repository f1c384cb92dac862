// PublicApiListing: an assembly's public surface as stable text, one declaration per line:
// every exported type with its kind and bases, then its public and protected members (with
// modifiers, nullability, init and required), sorted by name so overloads sit together.

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Quire.Tests.Infrastructure;

/// <summary>Formats an assembly's public surface, one declaration per line, sorted.</summary>
public static class PublicApiListing
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> s_aliases = new()
    {
        [typeof(void)] = "void",
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(char)] = "char",
        [typeof(string)] = "string",
        [typeof(object)] = "object",
        [typeof(nint)] = "nint",
        [typeof(nuint)] = "nuint",
    };

    public static string Of(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(TypeDeclaration(type)).Append('\n');
            // By member name, then by the whole line, so overloads sit together.
            foreach (string member in Members(type).OrderBy(MemberName, StringComparer.Ordinal).ThenBy(m => m, StringComparer.Ordinal))
            {
                text.Append("  ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The member's name in a formatted line: the word before its parameter list or accessors.</summary>
    private static string MemberName(string line)
    {
        int end = line.IndexOfAny(['(', '{', '=']);
        string head = (end < 0 ? line : line[..end]).TrimEnd();
        int genericStart = head.EndsWith('>') ? head.LastIndexOf('<') : -1;
        if (genericStart > 0 && head[genericStart - 1] != ' ')
        {
            head = head[..genericStart];
        }

        return head[(head.LastIndexOf(' ') + 1)..];
    }

    private static string TypeDeclaration(Type type)
    {
        string kind = type switch
        {
            { IsEnum: true } => "enum",
            { IsInterface: true } => "interface",
            { IsValueType: true, IsByRefLike: true } => "ref struct",
            { IsValueType: true } => "struct",
            { IsAbstract: true, IsSealed: true } => "static class",
            _ when type.GetMethod("<Clone>$") is not null => "sealed record".Replace("sealed ", type.IsSealed ? "sealed " : "", StringComparison.Ordinal),
            { IsSealed: true } => "sealed class",
            { IsAbstract: true } => "abstract class",
            _ => "class",
        };
        var bases = new List<string>();
        if (type.IsEnum)
        {
            bases.Add(Name(Enum.GetUnderlyingType(type)));
        }
        else if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces()
            .Where(i => i.IsPublic && !type.GetInterfaces().Any(other => other != i && other.GetInterfaces().Contains(i)))
            .Where(i => type.BaseType is null || !type.BaseType.GetInterfaces().Contains(i))
            .Select(Name)
            .Order(StringComparer.Ordinal));
        string name = (type.Namespace is null ? "" : type.Namespace + ".") + Name(type);
        return $"public {kind} {name}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : "");
    }

    private static IEnumerable<string> Members(Type type)
    {
        var nullability = new NullabilityInfoContext();
        foreach (MemberInfo member in type.GetMembers(Declared))
        {
            if (member.Name.Contains('<', StringComparison.Ordinal))
            {
                continue; // compiler-generated (records' clone method, backing fields)
            }

            switch (member)
            {
                case FieldInfo field when Visible(field.IsPublic, field.IsFamily, field.IsFamilyOrAssembly):
                    if (type.IsEnum)
                    {
                        if (field.IsStatic)
                        {
                            yield return $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
                        }
                    }
                    else
                    {
                        string modifiers = field.IsLiteral ? "const " : (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "");
                        string value = field.IsLiteral ? $" = {field.GetRawConstantValue()}" : "";
                        yield return $"{Access(field.IsPublic)} {modifiers}{Name(field.FieldType, nullability.Create(field))} {field.Name}{value}";
                    }

                    break;
                case ConstructorInfo constructor when Visible(constructor.IsPublic, constructor.IsFamily, constructor.IsFamilyOrAssembly) && !constructor.IsStatic:
                    yield return $"{Access(constructor.IsPublic)} {Name(type)}({Parameters(constructor, nullability)})";
                    break;
                case MethodInfo method when Visible(method.IsPublic, method.IsFamily, method.IsFamilyOrAssembly) && (!method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal)):
                    string generic = method.IsGenericMethod ? "<" + string.Join(", ", method.GetGenericArguments().Select(Name)) + ">" : "";
                    yield return $"{Access(method.IsPublic)} {Modifiers(method)}{Name(method.ReturnType, nullability.Create(method.ReturnParameter))} {method.Name}{generic}({Parameters(method, nullability)})";
                    break;
                case PropertyInfo property:
                    MethodInfo? getter = property.GetMethod is { } g && Visible(g.IsPublic, g.IsFamily, g.IsFamilyOrAssembly) ? g : null;
                    MethodInfo? setter = property.SetMethod is { } s && Visible(s.IsPublic, s.IsFamily, s.IsFamilyOrAssembly) ? s : null;
                    MethodInfo? accessor = getter ?? setter;
                    if (accessor is null)
                    {
                        break;
                    }

                    bool init = setter is not null && setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
                    string accessors = (getter is not null ? "get; " : "") + (setter is not null ? (init ? "init; " : "set; ") : "");
                    string indexer = property.GetIndexParameters().Length > 0 ? "this[" + string.Join(", ", property.GetIndexParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}")) + "]" : property.Name;
                    string required = property.IsDefined(typeof(RequiredMemberAttribute), false) ? "required " : "";
                    yield return $"{Access(accessor.IsPublic)} {required}{Modifiers(accessor)}{Name(property.PropertyType, nullability.Create(property))} {indexer} {{ {accessors}}}";
                    break;
                case EventInfo @event when @event.AddMethod is { IsPublic: true }:
                    yield return $"public event {Name(@event.EventHandlerType!)} {@event.Name}";
                    break;
                case Type nested when nested.IsNestedPublic:
                    yield return "nested " + TypeDeclaration(nested);
                    break;
            }
        }
    }

    private static bool Visible(bool isPublic, bool isFamily, bool isFamilyOrAssembly) => isPublic || isFamily || isFamilyOrAssembly;

    private static string Access(bool isPublic) => isPublic ? "public" : "protected";

    private static string Modifiers(MethodInfo method)
    {
        if (method.IsStatic)
        {
            return "static ";
        }

        if (method.IsAbstract)
        {
            return method.DeclaringType!.IsInterface ? "" : "abstract ";
        }

        if (method.IsVirtual && !method.IsFinal && method.GetBaseDefinition() == method)
        {
            return "virtual ";
        }

        return method.IsVirtual && method.GetBaseDefinition() != method ? (method.IsFinal ? "sealed override " : "override ") : "";
    }

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability) => string.Join(", ", method.GetParameters().Select(p =>
    {
        string prefix = p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "";
        if (p.Position == 0 && method.IsDefined(typeof(ExtensionAttribute), false))
        {
            prefix = "this " + prefix;
        }

        if (p.IsDefined(typeof(ParamArrayAttribute), false))
        {
            prefix = "params " + prefix;
        }

        string defaultValue = p.HasDefaultValue ? " = " + DefaultValue(p.RawDefaultValue, p.ParameterType) : "";
        return $"{prefix}{Name(p.ParameterType, nullability.Create(p))} {p.Name}{defaultValue}";
    }));

    private static string DefaultValue(object? value, Type type) => value switch
    {
        null when type.IsValueType && Nullable.GetUnderlyingType(type) is null => "default",
        null => "null",
        bool b => b ? "true" : "false",
        string s => $"\"{s}\"",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "default",
    };

    private static string Name(Type type) => Name(type, null);

    private static string Name(Type type, NullabilityInfo? nullability)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!, nullability?.ElementType ?? nullability);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        string name;
        if (s_aliases.TryGetValue(type, out string? alias))
        {
            name = alias;
        }
        else if (type.IsArray)
        {
            name = Name(type.GetElementType()!, nullability?.ElementType) + "[]";
        }
        else if (type.IsGenericType)
        {
            Type[] arguments = type.GetGenericArguments();
            string[] argumentNames = [.. arguments.Select((a, i) => Name(a, nullability is not null && i < nullability.GenericTypeArguments.Length ? nullability.GenericTypeArguments[i] : null))];
            string plain = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
            name = $"{Outer(type)}{plain}<{string.Join(", ", argumentNames)}>";
        }
        else
        {
            name = Outer(type) + type.Name;
        }

        bool nullable = !type.IsValueType && nullability?.ReadState == NullabilityState.Nullable;
        return nullable ? name + "?" : name;
    }

    private static string Outer(Type type) => type.IsNested && !type.IsGenericParameter ? Name(type.DeclaringType!) + "." : "";
}
