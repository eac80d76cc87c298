using System.Text;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>Writes the generated CUDA C and OpenCL C of every kernel variant, so the translation can be read and diffed.</summary>
internal static class KernelSourceDump
{
    /// <summary>"flash_attention.HEAD_DIM=128.cu": the entry point, then each specialization, then the dialect's extension.</summary>
    public static string FileName(KernelDefinition kernel, IReadOnlyList<int> variant, KernelDialect dialect)
    {
        var name = new StringBuilder(kernel.EntryPoint);
        foreach (var (spec, value) in kernel.Specializations.Zip(variant)) name.Append('.').Append(spec.Name).Append('=').Append(value);
        return name.Append(dialect == KernelDialect.Cuda ? ".cu" : ".cl").ToString();
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
    /// Writes every file into <paramref name="directory"/> (created if missing). Files that exist with
    /// other content are refused, all before anything is written, unless <paramref name="force"/>.
    /// </summary>
    /// <returns>0 on success, 1 when existing files were refused.</returns>
    public static int Write(IReadOnlyList<KernelDefinition> kernels, DirectoryInfo directory, bool force, TextWriter output, TextWriter error)
    {
        var files = (from kernel in kernels
                     from variant in kernel.AllVariants()
                     from dialect in new[] { KernelDialect.Cuda, KernelDialect.OpenCL }
                     select (Path: Path.Combine(directory.FullName, FileName(kernel, variant, dialect)), Text: kernel.SourceFor(dialect, variant))).ToList();
        // Entry points are C names, unique per program but not necessarily across the catalog.
        if (files.GroupBy(f => f.Path).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            error.WriteLine($"Two kernel variants would both be written to {Path.GetFileName(clash.Key)}; give their kernels distinct entry points.");
            return 1;
        }
        var conflicts = files.Where(f => File.Exists(f.Path) && File.ReadAllText(f.Path) != f.Text).Select(f => f.Path).ToList();
        if (conflicts.Count > 0 && !force)
        {
            error.WriteLine($"Refusing to overwrite {conflicts.Count} existing file(s) with other content in {directory.FullName} (first: {Path.GetFileName(conflicts[0])}); pass --force to overwrite.");
            return 1;
        }
        directory.Create();
        int written = 0;
        foreach (var (path, text) in files)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) continue;
            File.WriteAllText(path, text);
            written++;
        }
        output.WriteLine($"{files.Count} files for {kernels.Count} kernels in {directory.FullName}: {written} written, {files.Count - written} already up to date.");
        return 0;
    }
}
