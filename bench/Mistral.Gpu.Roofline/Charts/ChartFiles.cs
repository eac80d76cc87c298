using ScottPlot;

namespace Mistral.Gpu.Roofline.Charts;

/// <summary>
/// Where a chart goes and how it is written: a PNG to look at and an SVG to zoom or paste, both
/// from the same ScottPlot <see cref="Plot"/>, at one size, with a font every Linux box has.
/// Rendering is SkiaSharp's, headless (its NoDependencies native asset needs no X11 or fontconfig).
/// </summary>
public static class ChartFiles
{
    /// <summary>Width of every chart, in pixels.</summary>
    public const int Width = 1100;

    /// <summary>Height of every chart, in pixels.</summary>
    public const int Height = 650;

    /// <summary>The sans-serif family the charts ask for (Debian's fonts-dejavu-core).</summary>
    public const string FontFamily = "DejaVu Sans";

    /// <summary>The two files <see cref="Save"/> writes for <paramref name="stem"/>: <c>stem.png</c> and <c>stem.svg</c>.</summary>
    /// <param name="stem">Path without extension.</param>
    public static IReadOnlyList<string> Paths(string stem) => [stem + ".png", stem + ".svg"];

    /// <summary>Writes <paramref name="plot"/> as PNG and SVG at <see cref="Width"/> x <see cref="Height"/>; returns the two paths.</summary>
    /// <param name="plot">The chart.</param>
    /// <param name="stem">Path without extension; the folder must exist.</param>
    public static IReadOnlyList<string> Save(Plot plot, string stem)
    {
        ArgumentNullException.ThrowIfNull(plot);
        var paths = Paths(stem);
        plot.SavePng(paths[0], Width, Height);
        plot.SaveSvg(paths[1], Width, Height);
        return paths;
    }

    /// <summary>A plot with the house style: the font above and a title.</summary>
    internal static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        plot.Title(title, size: 18);
        return plot;
    }

    /// <summary>The i-th colour of a ten-colour palette that stays apart when printed or seen with colour blindness.</summary>
    internal static Color Colour(int index) => new ScottPlot.Palettes.Category10().GetColor(index);
}
