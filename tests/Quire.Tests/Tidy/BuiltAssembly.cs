// BuiltAssembly: the compiled Quire.dll and its portable PDB, read with System.Reflection.Metadata,
// so the tidy tests check what the compiler produced instead of guessing from source text: which
// Quire types each type references (a fully qualified name or a reference no `using` announces is
// as visible as any other), which source files each top-level type was compiled from, and the
// source lines of each method's body, and which Quire types each method references.
//
// Locking: none needed. Read once per test run (Instance, built on first use by Lazy's lock) and
// immutable after.
// Invariants: every nested or compiler-generated type (closures, state machines, `<>c`) is
// reported as its outermost declaring type; every path is relative to src/Quire, with '/'
// separators on every platform (SourcePath makes a file system path the same); a method's span is
// the lines between its body's braces, the same in Debug and Release builds (BodySpan).

using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Quire.Tests.Tidy;

internal sealed class BuiltAssembly
{
    private static readonly Lazy<BuiltAssembly> s_instance = new(() => Read(typeof(PageCache).Assembly.Location));

    // Roslyn's record of the files a type is declared in when no method of it has sequence points
    // there (enums, interfaces, partial parts holding only fields): PortablePdb-Metadata.md.
    private static readonly Guid s_typeDefinitionDocuments = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private BuiltAssembly(ImmutableArray<TypeUse> typeUses, ImmutableArray<MethodUse> methodUses, ImmutableArray<TopLevelType> types, ImmutableArray<MethodSpan> methods)
    {
        TypeUses = typeUses;
        MethodUses = methodUses;
        Types = types;
        Methods = methods;
    }

    /// <summary>The Quire.dll next to the test assembly (the test project references the Quire project).</summary>
    public static BuiltAssembly Instance => s_instance.Value;

    /// <summary>Every (type, referenced type) pair between two types of Quire namespaces, once each.</summary>
    public ImmutableArray<TypeUse> TypeUses { get; }

    /// <summary>Every (method, referenced type) pair where both are Quire's, once each; see <see cref="MethodUse"/>.</summary>
    public ImmutableArray<MethodUse> MethodUses { get; }

    /// <summary>Every top-level type of a Quire namespace that the compiler did not generate.</summary>
    public ImmutableArray<TopLevelType> Types { get; }

    /// <summary>Every method body in src/Quire, once, its local functions and state machine included.</summary>
    public ImmutableArray<MethodSpan> Methods { get; }

    /// <summary>"FileObject" uses "FramePool": both are outermost type names without generic arity.</summary>
    public readonly record struct TypeUse(string TypeName, string Namespace, string UsedTypeName, string UsedNamespace);

    /// <summary>
    /// "CachedFile"'s method "ReadAsync" uses "ReadPath": the outermost type, the source method (a
    /// lambda, a local function or a state machine's MoveNext counted as the method that declares
    /// it; accessors as get_X and set_X), and the outermost type it references.
    /// </summary>
    public readonly record struct MethodUse(string TypeName, string Method, string UsedTypeName);

    /// <summary>A top-level type, the src/Quire-relative files it is compiled from, and whether it holds no mutable state (an enum, an interface, a struct of readonly fields).</summary>
    public readonly record struct TopLevelType(string Name, string Namespace, ImmutableArray<string> Files, bool IsStateless);

    /// <summary>A method ("PageCache.OpenFile", "ClusterWriter..ctor") and the lines of its body, between its braces.</summary>
    public readonly record struct MethodSpan(string File, string Method, int FirstLine, int LastLine)
    {
        public int LineCount => LastLine - FirstLine + 1;
    }

    private static BuiltAssembly Read(string assemblyPath)
    {
        string pdbPath = Path.ChangeExtension(assemblyPath, ".pdb");
        Assert.True(File.Exists(pdbPath), $"{pdbPath} is missing: the tidy tests read the portable PDB built next to Quire.dll.");

        using var peReader = new PEReader(File.OpenRead(assemblyPath));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath));
        MetadataReader reader = peReader.GetMetadataReader();
        MetadataReader pdb = pdbProvider.GetMetadataReader();
        return new BuiltAssembly(ReadTypeUses(peReader, reader), ReadMethodUses(peReader, reader), ReadTypes(reader, pdb), ReadMethods(peReader, reader, pdb));
    }

    // ---- Type references -------------------------------------------------------------------

    private static ImmutableArray<TypeUse> ReadTypeUses(PEReader peReader, MetadataReader reader)
    {
        var uses = new HashSet<TypeUse>();
        foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
        {
            (string name, string ns) = OutermostName(reader, handle);
            if (!IsQuireNamespace(ns))
            {
                continue; // <Module>, <PrivateImplementationDetails>, embedded attributes, generated regexes
            }

            var used = new HashSet<TypeDefinitionHandle>();
            new ReferenceCollector(peReader, reader, used).CollectType(handle);
            foreach (TypeDefinitionHandle usedHandle in used)
            {
                (string usedName, string usedNamespace) = OutermostName(reader, usedHandle);
                if (IsQuireNamespace(usedNamespace))
                {
                    uses.Add(new TypeUse(name, ns, usedName, usedNamespace));
                }
            }
        }

        return [.. uses];
    }

    private static ImmutableArray<MethodUse> ReadMethodUses(PEReader peReader, MetadataReader reader)
    {
        var uses = new HashSet<MethodUse>();
        foreach (MethodDefinitionHandle handle in reader.MethodDefinitions)
        {
            TypeDefinitionHandle declaring = reader.GetMethodDefinition(handle).GetDeclaringType();
            (string name, string ns) = OutermostName(reader, declaring);
            if (!IsQuireNamespace(ns))
            {
                continue;
            }

            var used = new HashSet<TypeDefinitionHandle>();
            new ReferenceCollector(peReader, reader, used).CollectMethod(handle);
            string method = DeclaringSourceMethod(reader, handle);
            foreach (TypeDefinitionHandle usedHandle in used)
            {
                (string usedName, string usedNamespace) = OutermostName(reader, usedHandle);
                if (IsQuireNamespace(usedNamespace))
                {
                    uses.Add(new MethodUse(name, method, usedName));
                }
            }
        }

        return [.. uses];
    }

    // The source method a compiled method belongs to: "<Read>b__3_0" (a lambda) and
    // "<Read>g__Local|3_0" (a local function) to Read, a MoveNext of "<ReadAsync>d__5" (a state
    // machine) to ReadAsync, any other method to itself.
    private static string DeclaringSourceMethod(MetadataReader reader, MethodDefinitionHandle handle)
    {
        MethodDefinition method = reader.GetMethodDefinition(handle);
        string name = reader.GetString(method.Name);
        for (TypeDefinitionHandle type = method.GetDeclaringType(); !name.StartsWith('<') && !type.IsNil; type = reader.GetTypeDefinition(type).GetDeclaringType())
        {
            string typeName = reader.GetString(reader.GetTypeDefinition(type).Name);
            if (typeName.StartsWith('<') && !typeName.StartsWith("<>", StringComparison.Ordinal))
            {
                name = typeName;
            }
        }

        int close = name.IndexOf('>', StringComparison.Ordinal);
        return name.StartsWith('<') && close > 1 ? name[1..close] : name;
    }

    /// <summary>A path under src/Quire as this class reports it: relative, with '/' separators.</summary>
    public static string SourcePath(string path) => Path.GetRelativePath(LayeringTests.SourceRoot, path).Replace('\\', '/');

    /// <summary>Whether a namespace is Quire's own: "Quire" or "Quire.…".</summary>
    public static bool IsQuireNamespace(string ns) => ns == "Quire" || ns.StartsWith("Quire.", StringComparison.Ordinal);

    private static TypeDefinitionHandle Outermost(MetadataReader reader, TypeDefinitionHandle handle)
    {
        TypeDefinitionHandle declaring = reader.GetTypeDefinition(handle).GetDeclaringType();
        return declaring.IsNil ? handle : Outermost(reader, declaring);
    }

    private static (string Name, string Namespace) OutermostName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        TypeDefinition outermost = reader.GetTypeDefinition(Outermost(reader, handle));
        return (WithoutArity(reader.GetString(outermost.Name)), reader.GetString(outermost.Namespace));
    }

    private static string WithoutArity(string typeName)
    {
        int tick = typeName.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? typeName : typeName[..tick];
    }

    // ---- Types and their files ---------------------------------------------------------------

    private static ImmutableArray<TopLevelType> ReadTypes(MetadataReader reader, MetadataReader pdb)
    {
        // A type's files: those of its methods' sequence points (nested and generated types'
        // methods count for their outermost type), and those the PDB records for it separately.
        var files = new Dictionary<TypeDefinitionHandle, SortedSet<string>>();
        foreach (MethodDefinitionHandle method in reader.MethodDefinitions)
        {
            TypeDefinitionHandle owner = Outermost(reader, reader.GetMethodDefinition(method).GetDeclaringType());
            foreach (SequencePoint point in pdb.GetMethodDebugInformation(method.ToDebugInformationHandle()).GetSequencePoints())
            {
                AddFile(files, owner, pdb, point.Document);
            }
        }

        foreach (CustomDebugInformationHandle handle in pdb.CustomDebugInformation)
        {
            CustomDebugInformation information = pdb.GetCustomDebugInformation(handle);
            if (information.Parent.Kind != HandleKind.TypeDefinition || pdb.GetGuid(information.Kind) != s_typeDefinitionDocuments)
            {
                continue;
            }

            BlobReader blob = pdb.GetBlobReader(information.Value);
            while (blob.RemainingBytes > 0)
            {
                AddFile(files, Outermost(reader, (TypeDefinitionHandle)information.Parent), pdb, MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()));
            }
        }

        var types = ImmutableArray.CreateBuilder<TopLevelType>();
        foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
        {
            TypeDefinition type = reader.GetTypeDefinition(handle);
            string name = reader.GetString(type.Name);
            string ns = reader.GetString(type.Namespace);
            if (!type.GetDeclaringType().IsNil || !IsQuireNamespace(ns) || name.StartsWith('<'))
            {
                continue;
            }

            // Empty when the PDB knows no file for the type, and the test reports it.
            ImmutableArray<string> typeFiles = files.TryGetValue(handle, out SortedSet<string>? set) ? [.. set] : [];
            types.Add(new TopLevelType(WithoutArity(name), ns, typeFiles, IsStateless(reader, type)));
        }

        return types.ToImmutable();
    }

    private static void AddFile(Dictionary<TypeDefinitionHandle, SortedSet<string>> files, TypeDefinitionHandle owner, MetadataReader pdb, DocumentHandle document)
    {
        if (SourceFile(pdb, document) is string file)
        {
            if (!files.TryGetValue(owner, out SortedSet<string>? set))
            {
                files[owner] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.Add(file);
        }
    }

    // The document's path relative to src/Quire, or null for a file the build generated (source
    // generators' output, obj/). Paths are absolute, or "/_/src/Quire/…" in a CI build whose path
    // map hides the machine's.
    private static string? SourceFile(MetadataReader pdb, DocumentHandle document)
    {
        string path = pdb.GetString(pdb.GetDocument(document).Name).Replace('\\', '/');
        const string Root = "/src/Quire/";
        int root = path.LastIndexOf(Root, StringComparison.Ordinal);
        if (root < 0)
        {
            return null;
        }

        string relative = path[(root + Root.Length)..];
        return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal) ? null : relative;
    }

    private static bool IsStateless(MetadataReader reader, TypeDefinition type)
    {
        if ((type.Attributes & TypeAttributes.Interface) != 0)
        {
            return true;
        }

        string? baseType = type.BaseType.Kind == HandleKind.TypeReference
            ? reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type.BaseType).Name)
            : null;
        return baseType == "Enum"
            || (baseType == "ValueType" && type.GetFields().All(handle =>
                (reader.GetFieldDefinition(handle).Attributes & (FieldAttributes.InitOnly | FieldAttributes.Literal)) != 0));
    }

    // ---- Method spans ------------------------------------------------------------------------

    private static ImmutableArray<MethodSpan> ReadMethods(PEReader peReader, MetadataReader reader, MetadataReader pdb)
    {
        // 1. Each method's body, found from one of its sequence points (BodySpan), under the name
        //    of the source method it belongs to: a state machine's MoveNext under its kickoff
        //    method. A local function lies inside its method's braces, so it finds the same body.
        //    Lambdas are skipped: their lines are inside their method too, or in a field
        //    initializer, which is no method body.
        // 2. One span per body: the bodies found through a method, its state machine and its local
        //    functions are one; overloads have bodies of their own.
        var bodies = new Dictionary<(string File, int FirstLine), MethodSpan>();
        var sources = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (MethodDefinitionHandle handle in reader.MethodDefinitions)
        {
            MethodDebugInformation information = pdb.GetMethodDebugInformation(handle.ToDebugInformationHandle());
            MethodDefinitionHandle kickoff = information.GetStateMachineKickoffMethod();
            if (SourceMethodName(reader, kickoff.IsNil ? handle : kickoff) is not (string name, bool isLocalFunction, int typeDepth)
                || BodySpan(peReader, reader, pdb, handle, information, typeDepth, sources) is not (string file, int first, int last))
            {
                continue;
            }

            if (!bodies.TryGetValue((file, first), out MethodSpan known) || (known.Method != name && !isLocalFunction))
            {
                bodies[(file, first)] = new MethodSpan(file, name, first, last);
            }
        }

        return [.. bodies.Values];
    }

    // "Type.Method" for a method written in source, whether it is a local function (named for the
    // method that declares it), and how many source types it is nested in (1 for a top-level
    // type's method); null for what the compiler wrote (lambdas, accessors of generated members)
    // and for static constructors, which are the static field initializers.
    private static (string Name, bool IsLocalFunction, int TypeDepth)? SourceMethodName(MetadataReader reader, MethodDefinitionHandle handle)
    {
        MethodDefinition method = reader.GetMethodDefinition(handle);
        string name = reader.GetString(method.Name);
        if (name == ".cctor")
        {
            return null;
        }

        bool isLocalFunction = false;
        if (name.StartsWith('<'))
        {
            // "<Outer>g__Local|3_0" is a local function of Outer; "<Outer>b__3_0" a lambda.
            int close = name.IndexOf('>', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= name.Length || name[close + 1] != 'g' || name[1] == '<')
            {
                return null;
            }

            name = name[1..close];
            isLocalFunction = true;
        }

        // The declaring types written in source, outermost first; closures and `<>c` are skipped.
        var types = new List<string>();
        for (TypeDefinitionHandle type = method.GetDeclaringType(); !type.IsNil; type = reader.GetTypeDefinition(type).GetDeclaringType())
        {
            string typeName = reader.GetString(reader.GetTypeDefinition(type).Name);
            if (!typeName.StartsWith('<'))
            {
                types.Insert(0, WithoutArity(typeName));
            }
        }

        return ($"{string.Join('.', types)}.{name}", isLocalFunction, types.Count);
    }

    // The file and the lines strictly between the braces of the member body that holds the
    // method's sequence points, tried from the last in IL order (never a field initializer). Sequence points alone would not do: a Release build drops
    // those of Debug.Assert, of `while (true)` and of a trailing `break`, so a method would
    // measure longer in Debug. The braces are found by indentation, which `dotnet format`
    // enforces: a member of a type nested typeDepth deep is indented 4 * typeDepth, its body's
    // braces stand alone at that indentation, and every line between them is indented further.
    // An expression-bodied member has no such braces (unless its expression is a switch, whose
    // arms are then the body): its span is its sequence points' lines.
    // A constructor's field initializers (and the call to the base constructor) run before its
    // body and sit on the fields' lines, so its anchor is the first point after that call.
    private static (string File, int FirstLine, int LastLine)? BodySpan(
        PEReader peReader, MetadataReader reader, MetadataReader pdb, MethodDefinitionHandle handle,
        MethodDebugInformation information, int typeDepth, Dictionary<string, string[]> sources)
    {
        int bodyOffset = ConstructorBodyOffset(peReader, reader, handle);
        SequencePoint[] points = [.. information.GetSequencePoints().Where(point => !point.IsHidden && point.Offset > bodyOffset)];
        if (points.Length == 0 || SourceFile(pdb, points[^1].Document) is not string file)
        {
            return null;
        }

        if (!sources.TryGetValue(file, out string[]? lines))
        {
            sources[file] = lines = File.ReadAllLines(Path.Combine(LayeringTests.SourceRoot, file));
        }

        string indent = new(' ', 4 * typeDepth);
        for (int i = points.Length - 1; i >= 0; i--)
        {
            int anchor = points[i].StartLine - 1; // 0-based from here on
            bool anchorIsClose = lines[anchor] == indent + "}";
            int open = MemberLevelLine(lines, anchorIsClose ? anchor - 1 : anchor, -1, indent);
            int close = anchorIsClose ? anchor : MemberLevelLine(lines, open + 1, +1, indent);
            if (open >= 0 && close >= 0 && lines[open] == indent + "{" && lines[close].StartsWith(indent + "}", StringComparison.Ordinal))
            {
                return (file, open + 2, close); // 1-based: the line after the brace to the line before its match
            }
        }

        return (file, points.Min(point => point.StartLine), points.Max(point => point.EndLine));
    }

    // The nearest non-blank line from `from` (inclusive) in `step`'s direction that is indented no
    // further than a member, or -1.
    private static int MemberLevelLine(string[] lines, int from, int step, string indent)
    {
        for (int i = from; i >= 0 && i < lines.Length; i += step)
        {
            string line = lines[i];
            if (line.Trim().Length > 0 && !line.StartsWith(indent + " ", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // For an instance constructor, the IL offset of its call to a base or sibling constructor;
    // -1 for other methods and for struct constructors, which make no such call.
    private static int ConstructorBodyOffset(PEReader peReader, MetadataReader reader, MethodDefinitionHandle handle)
    {
        MethodDefinition method = reader.GetMethodDefinition(handle);
        if (reader.GetString(method.Name) != ".ctor" || method.RelativeVirtualAddress == 0)
        {
            return -1;
        }

        TypeDefinitionHandle declaring = method.GetDeclaringType();
        EntityHandle baseType = reader.GetTypeDefinition(declaring).BaseType;
        int found = -1;
        ILScan.Tokens(peReader.GetMethodBody(method.RelativeVirtualAddress), (offset, opCode, token) =>
        {
            if (found >= 0 || opCode != ILOpCode.Call || token.Kind is not (HandleKind.MethodDefinition or HandleKind.MemberReference))
            {
                return;
            }

            (string name, EntityHandle parent) = token.Kind == HandleKind.MethodDefinition
                ? (reader.GetString(reader.GetMethodDefinition((MethodDefinitionHandle)token).Name), (EntityHandle)reader.GetMethodDefinition((MethodDefinitionHandle)token).GetDeclaringType())
                : (reader.GetString(reader.GetMemberReference((MemberReferenceHandle)token).Name), reader.GetMemberReference((MemberReferenceHandle)token).Parent);
            if (name == ".ctor" && (parent == baseType || parent == (EntityHandle)declaring || SameGenericType(reader, parent, baseType)))
            {
                found = offset;
            }
        });
        return found;
    }

    // A call to a generic base's constructor names a TypeSpec of the base, not the base's handle.
    private static bool SameGenericType(MetadataReader reader, EntityHandle parent, EntityHandle baseType) =>
        parent.Kind == HandleKind.TypeSpecification && baseType.Kind == HandleKind.TypeSpecification
        && reader.GetBlobContent(reader.GetTypeSpecification((TypeSpecificationHandle)parent).Signature)
            .SequenceEqual(reader.GetBlobContent(reader.GetTypeSpecification((TypeSpecificationHandle)baseType).Signature));
}
