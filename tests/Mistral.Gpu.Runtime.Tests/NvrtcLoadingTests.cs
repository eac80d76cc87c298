using Mistral.Gpu.Runtime.Cuda;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Loading NVRTC anywhere and choosing what it compiles for, without a GPU: the folders probed and
/// their order, CUBIN for the device's architecture where NVRTC knows it, the driver/NVRTC version
/// rule, and ptxas's report read back from NVRTC's log for kernels whose resources the source fixes.
/// </summary>
public sealed class NvrtcLoadingTests
{
    private const string Home = "/home/someone";

    private static IReadOnlyList<string> Candidates(params (string Name, string Value)[] variables) =>
        NvrtcLocator.Candidates(name => variables.FirstOrDefault(v => v.Name == name).Value, Home);

    [Fact]
    public void The_explicit_folder_comes_first_then_the_toolkit_then_the_unpacked_package_then_the_loaders_search()
    {
        var candidates = Candidates(("MGPU_NVRTC_PATH", "/opt/nvrtc"), ("CUDA_HOME", "/opt/cuda-12.4"), ("XDG_CACHE_HOME", "/var/cache/me"));
        int Index(string path) => candidates.ToList().IndexOf(path);
        string first = NvrtcLocator.FileNames[0];
        Assert.Equal(Path.Combine("/opt/nvrtc", first), candidates[0]);
        Assert.True(Index(Path.Combine("/opt/cuda-12.4/lib64", first)) > 0);
        Assert.True(Index("/usr/local/cuda/lib64/" + first) > Index(Path.Combine("/opt/cuda-12.4/lib64", first)));
        Assert.True(Index($"/var/cache/me/mistral-gpu/nvrtc/usr/lib/x86_64-linux-gnu/{first}") > Index("/usr/local/cuda/lib64/" + first));
        // The bare names, for the loader's own search, come last.
        Assert.Equal(NvrtcLocator.FileNames, candidates.TakeLast(NvrtcLocator.FileNames.Length));
        Assert.Equal(candidates.Count, candidates.Distinct().Count());
    }

    [Fact]
    public void An_explicit_file_is_tried_as_is_and_the_cache_folder_defaults_to_the_home_folder()
    {
        string file = Path.GetTempFileName();
        try
        {
            var candidates = Candidates(("MGPU_NVRTC_PATH", file));
            Assert.Equal(file, candidates[0]);
            Assert.Contains($"{Home}/.cache/mistral-gpu/nvrtc/usr/lib/x86_64-linux-gnu/{NvrtcLocator.FileNames[0]}", candidates);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Pips_nvrtc_wheel_is_probed_in_the_active_virtual_environment()
    {
        var venv = Directory.CreateTempSubdirectory("mgpu-venv-");
        try
        {
            Directory.CreateDirectory(Path.Combine(venv.FullName, "lib", "python3.11"));
            var candidates = Candidates(("VIRTUAL_ENV", venv.FullName));
            Assert.Contains(Path.Combine(venv.FullName, "lib", "python3.11", "site-packages", "nvidia", "cuda_nvrtc", "lib", NvrtcLocator.FileNames[0]), candidates);
        }
        finally
        {
            venv.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_builtins_beside_a_library_are_found_by_their_soname()
    {
        var folder = Directory.CreateTempSubdirectory("mgpu-nvrtc-");
        try
        {
            foreach (var name in new[] { "libnvrtc.so.11.2", "libnvrtc-builtins.so.11.8.89", "libnvrtc-builtins.so.11.8" })
                File.WriteAllText(Path.Combine(folder.FullName, name), "");
            Assert.Equal(Path.Combine(folder.FullName, "libnvrtc-builtins.so.11.8"), NvrtcLocator.BuiltinsBeside(Path.Combine(folder.FullName, "libnvrtc.so.11.2")));
            Assert.Null(NvrtcLocator.BuiltinsBeside("libnvrtc.so.12"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_device_nvrtc_knows_gets_cubin_and_a_newer_one_gets_the_newest_ptx_below_it()
    {
        int[] nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];
        Assert.Equal(new NvrtcTarget(90, Cubin: true), NvrtcTarget.For(9, 0, nvrtc118));
        Assert.Equal("sm_86", NvrtcTarget.For(8, 6, nvrtc118).Option);
        Assert.Equal(new NvrtcTarget(90, Cubin: false), NvrtcTarget.For(10, 0, nvrtc118));
        Assert.Equal("compute_90", NvrtcTarget.For(12, 0, nvrtc118).Option);
        Assert.Equal(new NvrtcTarget(80, Cubin: true), NvrtcTarget.For(8, 0, []));
    }

    [Fact]
    public void Ptx_from_an_nvrtc_newer_than_the_driver_is_refused_up_front_but_cubin_of_the_same_major_is_not()
    {
        var cubin = new NvrtcTarget(90, Cubin: true);
        var ptx = new NvrtcTarget(90, Cubin: false);
        Assert.Null(CudaVersionCheck.Problem(12040, 12, 4, ptx));
        Assert.Null(CudaVersionCheck.Problem(12060, 12, 4, ptx));
        Assert.Null(CudaVersionCheck.Problem(12020, 12, 4, cubin));
        Assert.Contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", CudaVersionCheck.Problem(12020, 12, 4, ptx));
        Assert.Contains("CUDA 11.4, older than NVRTC 12.4", CudaVersionCheck.Problem(11040, 12, 4, cubin));
        Assert.Contains(NvrtcLocator.PathVariable, CudaVersionCheck.Problem(11040, 12, 4, cubin));
    }

    [Fact]
    public void The_ptxas_report_is_read_line_by_line_and_other_functions_are_not_entries()
    {
        const string log = """
            ptxas info    : 0 bytes gmem
            ptxas info    : Function properties for helper
            ptxas         .     24 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Compiling entry function 'first' for 'sm_90'
            ptxas info    : Function properties for first
            ptxas         .     8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
            ptxas info    : Used 255 registers, used 1 barriers, 8 bytes cumulative stack size, 2048 bytes smem, 360 bytes cmem[0]
            ptxas info    : Compiling entry function 'second' for 'sm_80'
            ptxas info    : Function properties for second
            ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 9 registers, 360 bytes cmem[0]
            """;
        Assert.Equal(
            [new PtxasEntry("first", "sm_90", 255, 2048, 8, 4, 12), new PtxasEntry("second", "sm_80", 9, 0, 0, 0, 0)],
            PtxasReport.Parse(log));
    }

    [RequiresNvrtcFact]
    public void Nvrtc_reports_the_shared_memory_the_source_declares_and_the_spills_a_register_cap_forces()
    {
        const string source = """
            extern "C" __global__ void Staged(float* data)
            {
                __shared__ float stage[3000];
                stage[threadIdx.x] = data[threadIdx.x];
                __syncthreads();
                data[threadIdx.x] = stage[2999 - threadIdx.x];
            }
            extern "C" __global__ void Crowded(float* data, int n)
            {
                float acc[64];
                #pragma unroll
                for (int i = 0; i < 64; i++) acc[i] = data[i * n + threadIdx.x];
                float sum = 0;
                #pragma unroll
                for (int i = 0; i < 64; i++) sum += acc[i] * acc[63 - i] * acc[(i * 7) % 64];
                data[threadIdx.x] = sum;
            }
            """;
        var compiled = NvrtcCompiler.Compile(source, "Report", "Report", "report.cu", new NvrtcTarget(80, Cubin: true),
            NvrtcCompiler.VerboseOption, "--maxrregcount=16");
        var entries = PtxasReport.Parse(compiled.Log).ToDictionary(e => e.Function);
        Assert.Equal(3000 * sizeof(float), entries["Staged"].SharedBytes);
        Assert.Equal(0, entries["Staged"].SpillStoreBytes);
        Assert.InRange(entries["Crowded"].Registers, 1, 32); // ptxas raises a cap below its minimum (24 on sm_80)
        Assert.True(entries["Crowded"].SpillStoreBytes > 0, $"16 registers for 64 live values should spill: {entries["Crowded"]}");
        // An ELF image, not PTX text.
        Assert.Equal("\u007fELF"u8.ToArray(), compiled.Image[..4]);
    }

    [Fact]
    public void The_error_for_a_missing_nvrtc_names_the_folders_tried()
    {
        string message = NvrtcCompiler.Missing();
        Assert.Contains("/usr/local/cuda/lib64", message);
        Assert.Contains(NvrtcLocator.PathVariable, message);
        Assert.Contains("tools/fetch-nvrtc.sh", message);
    }
}
