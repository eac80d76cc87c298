using System.Text;
using ILGPU.Runtime.Cuda;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.Ilgpu;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Writes the generated CUDA C and OpenCL C of every kernel variant, and ILGPU's PTX of every variant of a kernel written in
/// ILGPU's API, so the translation and ILGPU's compilation can be read and diffed side by side.
/// </summary>
internal static class KernelSourceDump
{
    /// <summary>Exit code when the folder cannot be used (a file, unwritable) or holds files that are not ours.</summary>
    public const int ErrorExitCode = 2;

    /// <summary>
    /// "FlashDecoding.Partial.HEAD_DIM=128.cu": the kernel's C# name (class and method, unique in
    /// the catalog where entry points need not be), then each specialization, then the extension.
    /// </summary>
    public static string FileName(KernelDefinition kernel, IReadOnlyList<int> variant, KernelDialect dialect) =>
        Stem(kernel, variant) + Extension(dialect);

    private static string Stem(KernelDefinition kernel, IReadOnlyList<int> variant)
    {
        var name = new StringBuilder();
        foreach (char c in kernel.Name) name.Append(char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        foreach (var (spec, value) in kernel.Specializations.Zip(variant)) name.Append('.').Append(spec.Name).Append('=').Append(value);
        return name.ToString();
    }

    private static string Extension(KernelDialect dialect) => dialect == KernelDialect.Cuda ? ".cu" : ".cl";

    /// <summary>Where ILGPU's PTX goes: "ProofKernels.VectorAdd.ilgpu.ptx".</summary>
    public const string IlgpuPtxExtension = ".ilgpu.ptx";

    /// <summary>
    /// Every file to write: one per variant and dialect, and for an ILGPU-form kernel ILGPU's PTX from <paramref name="ilgpuPtx"/>.
    /// Two kernels with the same C# name (the
    /// same class and method in two namespaces) get their entry point added, then a counter, so no
    /// file name is ever shared.
    /// </summary>
    public static IReadOnlyList<(string FileName, string Text)> Files(IReadOnlyList<KernelDefinition> kernels, Func<KernelDefinition, IReadOnlyList<int>, string>? ilgpuPtx = null)
    {
        var stems = (from kernel in kernels
                     from variant in kernel.AllVariants()
                     select (Kernel: kernel, Variant: variant, Stem: Stem(kernel, variant))).ToList();
        var counts = stems.GroupBy(s => s.Stem, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        // Names nobody shares are reserved first, so a disambiguated name never takes one of them.
        var taken = new HashSet<string>(counts.Where(c => c.Value == 1).Select(c => c.Key), StringComparer.OrdinalIgnoreCase);
        var files = new List<(string, string)>();
        foreach (var (kernel, variant, stem) in stems)
        {
            string unique = stem;
            if (counts[stem] > 1)
            {
                unique = $"{stem}.{kernel.EntryPoint}";
                for (int ordinal = 2; !taken.Add(unique); ordinal++) unique = $"{stem}.{kernel.EntryPoint}.{ordinal}";
            }
            foreach (var dialect in new[] { KernelDialect.Cuda, KernelDialect.OpenCL })
                files.Add((unique + Extension(dialect), kernel.SourceFor(dialect, variant)));
            if (kernel.IlgpuKernel is not null && ilgpuPtx is not null)
                files.Add((unique + IlgpuPtxExtension, ilgpuPtx(kernel, variant)));
        }
        return files;
    }

    /// <summary>One line per kernel with its variants.</summary>
    public static void List(IReadOnlyList<KernelDefinition> kernels, TextWriter output)
    {
        foreach (var kernel in kernels)
        {
            var variants = kernel.AllVariants().ToList();
            string specs = kernel.Specializations.Any() ? $" ({variants.Count} variants of {string.Join(", ", kernel.Specializations.Select(s => s.Name))})" : "";
            output.WriteLine($"{kernel.Name,-40} {kernel.EntryPoint}{specs}");
        }
        output.WriteLine($"{kernels.Count} kernels, {kernels.Sum(k => k.AllVariants().Count())} variants.");
    }

    /// <summary>
    /// Writes every file into <paramref name="directory"/> (created if missing, with its parents).
    /// Files that exist with other content are never overwritten unless <paramref name="force"/>;
    /// they are all checked before anything is written. Files already up to date are left alone.
    /// </summary>
    /// <returns>0 on success; 2 when the folder cannot be used or existing files were refused.</returns>
    public static int Write(IReadOnlyList<KernelDefinition> kernels, DirectoryInfo directory, bool force, TextWriter output, TextWriter error)
    {
        string root = directory.FullName;
        try
        {
            if (File.Exists(root))
                return Fail(error, $"--dump {root} is a file, not a folder; give a folder to write the kernel sources into.");
            for (var parent = directory.Parent; parent is not null; parent = parent.Parent)
                if (File.Exists(parent.FullName))
                    return Fail(error, $"--dump {root}: {parent.FullName} is a file, so no folder can be created below it.");

            using var ilgpu = new IlgpuSourceCompiler();
            var files = Files(kernels, (kernel, variant) => IlgpuPtx(ilgpu, kernel, variant)).Select(f => (Path: Path.Combine(root, f.FileName), f.Text)).ToList();
            if (files.FirstOrDefault(f => Directory.Exists(f.Path)) is { Path: not null } blocked)
                return Fail(error, $"--dump {root}: {blocked.Path} is a folder where a kernel source must go; move it away.");
            var conflicts = files.Where(f => File.Exists(f.Path) && File.ReadAllText(f.Path) != f.Text).Select(f => f.Path).ToList();
            if (conflicts.Count > 0 && !force)
            {
                return Fail(error, $"refusing to overwrite {conflicts.Count} existing file(s) with other content in {root} (first: {Path.GetFileName(conflicts[0])}); pass --force to overwrite.");
            }
            try { Directory.CreateDirectory(root); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(error, $"--dump {root}: the folder cannot be created here ({e.Message.TrimEnd('.')}).");
            }
            int written = 0;
            foreach (var (path, text) in files)
            {
                if (File.Exists(path) && File.ReadAllText(path) == text) continue;
                File.WriteAllText(path, text);
                written++;
            }
            output.WriteLine($"{files.Count} files for {kernels.Count} kernels in {root}: {written} written, {files.Count - written} already up to date.");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            return Fail(error, $"cannot write kernel sources to {root}: {e.Message}");
        }
    }

    /// <summary>ILGPU's sm_90 PTX of one variant at O2, or, when ILGPU cannot compile it, its log as PTX comments (so one bad kernel still leaves every other file).</summary>
    private static string IlgpuPtx(IlgpuSourceCompiler compiler, KernelDefinition kernel, IReadOnlyList<int> variant)
    {
        try
        {
            return compiler.Ptx(kernel, CudaArchitecture.SM_90, variant);
        }
        catch (KernelCompilationException e)
        {
            return $"// ILGPU could not compile {kernel.Name}:\n" + string.Concat(e.Log.Split('\n').Select(line => $"// {line.TrimEnd()}\n"));
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return ErrorExitCode;
    }
}
