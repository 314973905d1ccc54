// The hot loops, one table per ISA (docs/kernels.md gives the naming grammar
// <op>.<dtype>.<variant>.<isa>). All variants come from one template, kernels.inc, compiled once
// per ISA with only that ISA's flags; the CPU is probed once and the best table chosen once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss::kernels {

enum class Isa { Scalar, Avx2, Avx512 };
const char* isaName(Isa isa);

// Output-stationary "gather" convolution tile set over one output row range.
// Input x is one item in H x W x C (channels last), already zero-padded; output y is
// OH x OW x M (channels last). A "slot" is a list of fan-in positions (as input offsets relative
// to the receptive field's top-left, in floats) whose products all go to the same G outputs
// y[p*M + out_start .. out_start+G): the dense conv is one slot with all N positions and G = M;
// Complementary Sparsity with shared routes has P slots of N/P positions and G = M/P outputs.
struct GatherConvArgs {
    const float* x;          // padded input
    int in_w, in_c;          // padded input width and channels
    int out_h, out_w, M;     // output geometry, M = channel stride of y
    int stride;
    int slots;
    const int32_t* slot_begin;   // [slots+1] into offsets/weights rows
    const int32_t* offsets;      // [L] input offset of each fan-in position
    const float* weights;        // [L][gpad] rows, gpad = round_up(max G, vector width)
    int gpad;
    const int32_t* out_start;    // [slots]
    const int32_t* out_count;    // [slots] G of each slot
    const float* bias;           // [M] in output channel order
    float* y;
    int row_begin, row_end;      // output rows to compute
    // 2: fuse a 2x2 stride-2 max-pool in registers: y is the pooled map (out_w / 2 wide, channel
    // stride M) and row_begin/row_end count pooled rows; out_h/out_w stay the conv's.
    int pool = 0;
};

// Linear "gather": y[b][out_start .. +G) = bias + sum_{n in slot} x[b][index[n]] * w[n][..],
// for items b in [0, items). Dense linear = one slot with every input.
struct GatherLinearArgs {
    const float* x;      // items x in_stride
    int in_stride;
    int items;
    int slots;
    const int32_t* slot_begin;
    const int32_t* index;    // [L] input index of each fan-in position
    const float* weights;    // [L][gpad]
    int gpad;
    const int32_t* out_start;
    const int32_t* out_count;
    const float* bias;       // [M]
    float* y;                // items x M
    int M;
};

// Sparse-sparse convolution, Complementary Sparsity with shared routes. For every winner
// (position p, channel c, value v) and every tap (dy, dx) that reaches an output q:
//   acc[q][r(n)][0 .. rowpad) += v * wc[n][0 .. rowpad),   n = (dy*KW+dx)*C + c,
// where acc holds one aligned row of rowpad (a multiple of 8) accumulators per route slot r: the
// G products of one input land in one row, updated with full-width loads and stores (no masked
// partial overlaps, so store-to-load forwarding works). Rows start from the bias; at the end each
// row's G_r valid lanes are compacted into y[q][slot_start[r] ..]. Winners come grouped by input
// position (CSR over positions), as nonzerosByPosition makes them.
struct ScatterConvArgs {
    const int32_t* pos_begin; // [in_h*in_w + 1]
    const int32_t* chan;      // winner channels
    const float* val;         // winner values
    int in_h, in_w, in_c;     // unpadded input geometry
    int out_h, out_w;
    int kh, kw, stride, pad;
    const float* wc;          // [N][rowpad], zero beyond G
    int rowpad;
    const int32_t* row_off;   // [N] = r(n) * rowpad
    int P;
    const float* bias_rows;   // [P][rowpad]
    const int32_t* slot_start;// [P]
    const int32_t* slot_count;// [P]
    int M;
    float* acc;               // scratch [out_h*out_w][P][rowpad]
    float* y;                 // [out_h*out_w][M]
    // Stride-1 layout (null otherwise): per input channel c and tap t = dy*kw + dx, the packed row
    // wc_ct[c][t][rowpad] and one destination offset into acc relative to the winner's padded
    // position (iy+pad)*out_w + (ix+pad): off_ct[c][t] = r(n)*rowpad - (dy*out_w + dx)*P*rowpad.
    // A winner then streams one contiguous block of rows with no per-tap lookups. (Its MACs are
    // counted by nonzeros_by_position: see WinnerMacs.)
    const float* wc_ct = nullptr;
    const int32_t* off_ct = nullptr;
    // A pool x pool, stride-pool max-pool of the conv map, taken in the accumulator rows before they
    // are compacted (0: none): y is then the pool_h x pool_w pooled map. acc still holds the conv map.
    int pool = 0, pool_h = 0, pool_w = 0;
};

// Sparse-sparse linear with shared routes: acc[r(n)][..] += v * wc[n][..], then compaction.
struct ScatterLinearArgs {
    const int32_t* idx;
    const float* val;
    int count;
    const float* wc;
    int rowpad;
    const int32_t* row_off;
    const uint16_t* row_len;
    int P;
    const float* bias_rows;
    const int32_t* slot_start;
    const int32_t* slot_count;
    float* acc;               // scratch [P][rowpad]
    float* y;                 // [M]
    int64_t macs;
};

constexpr int kNonzerosSlack = 16;

// The multiply-accumulates a sparse-sparse conv spends on each winner (input position p, channel
// c): the useful lanes G_r of the rows of every tap through which p reaches the output, summed.
// Positions that reach the output through the same taps share one row of table: the winner's
// count is table[row_of[p] + c]. Counted while the winners are listed, from the same compares
// (a masked vector sum of the row): four table reads per winner inside the scatter's winner loop
// had cost the GSC conv2 ~15%, this ~3%.
struct WinnerMacs {
    const int32_t* table;  // [rows][C]
    const int32_t* row_of; // [H*W] start of position p's row in table
    int64_t total = 0;     // out: summed over the winners listed
};

struct KernelTable {
    Isa isa;
    int vector_width; // floats per vector register
    void (*gather_conv)(const GatherConvArgs&);
    void (*gather_linear)(const GatherLinearArgs&);
    void (*scatter_conv)(const ScatterConvArgs&);
    void (*scatter_linear)(ScatterLinearArgs&);
    // Non-zeros of an H*W x C buffer, grouped by position: fills pos_begin[hw+1], chan, val.
    // Returns the count. chan/val need room for hw*c + kNonzerosSlack entries (vector stores may
    // write scratch past the count). macs (may be null): adds the conv's MACs on them to its total.
    int (*nonzeros_by_position)(const float* x, int hw, int c, int32_t* pos_begin, int32_t* chan, float* val, WinnerMacs* macs);
    // Non-zeros of a vector: idx/val (room for n + kNonzerosSlack); returns the count.
    int (*nonzeros)(const float* x, int n, int32_t* idx, float* val);
    // k-WTA Select in place (sparsity/kwinners.h semantics): keep the k largest x*boost (boost may
    // be null), ties toward the lower order[i] (or i; order must be a permutation of 0..n-1);
    // scratch needs 2n+1 words.
    void (*kwinners)(float* x, int n, int k, const float* boost, const int32_t* order, uint32_t* scratch);
    // Max-pool one channels-last item: y[oy][ox][c] = max over the k x k window at stride s.
    void (*maxpool)(const float* x, int in_w, int c, int k, int s, int out_h, int out_w, float* y);
};

bool cpuSupports(Isa isa);
Isa bestIsa();                           // probed once
const KernelTable& table(Isa isa);       // any table (tests may call one the CPU lacks: check cpuSupports)
const KernelTable& best();               // the table for bestIsa(); honours SPARSESCOPE_ISA=scalar|avx2|avx512
std::vector<Isa> allIsas();

inline int roundUp(int x, int m) { return (x + m - 1) / m * m; }

} // namespace ss::kernels
