#!/usr/bin/env python3
"""Takes of ONE synthetic voice, as one person would give them, in the `enroll --from` layout.

A person saying a word five times varies a little: pitch by a fraction of a semitone, speed by
about +-10%, loudness, where in the window the word falls, and the room adds its noise. This
script makes such takes with Festival (one diphone voice at one base pitch and rate) and sox:

  per take: pitch jitter +-50 cents, Duration_Stretch 0.9..1.1, gain -9..0 dB, offset in a 1 s
  window, and a room-noise floor (pink/brown noise or babble from a noise folder) at 15..35 dB SNR.

Layout: <out>/<keyword>/NNN.wav (25 takes: enroll uses the first 5, holds back the rest),
<out>/other/NNNN_<word>.wav (non-keywords, 6 takes per word), <out>/_background_noise_/room.wav.
Deterministic for a seed. Needs festival, the voice's festvox package and sox (all in `make deps`).

  python3 one_voice_takes.py OUT VOICE [--base-pitch CENTS] [--seed N] [--noise DIR]

Used in datasets/README.md ("Enrollment ... one voice") to measure `train --init`.
"""
import argparse
import array
import os
import random
import shutil
import subprocess
import tempfile
import wave

KEYWORDS = 'yes no up down left right on off stop go'.split()
OTHERS = ('zero one two three four five six seven eight nine bed bird cat dog happy house marvin '
          'sheila tree wow backward forward follow learn visual').split()
RATE = 16000


def read_wav(path):
    with wave.open(path, 'rb') as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        rate = w.getframerate()
        a = array.array('h', w.readframes(w.getnframes()))
    return rate, [x / 32768.0 for x in a]


def write_wav(path, samples):
    a = array.array('h', (max(-32768, min(32767, int(round(x * 32767)))) for x in samples))
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(a.tobytes())


def rms(x):
    return (sum(v * v for v in x) / max(1, len(x))) ** 0.5


def say(voice, word, stretch, cents, tmp):
    scm = os.path.join(tmp, 'say.scm')
    raw = os.path.join(tmp, 'raw.wav')
    out = os.path.join(tmp, 'out.wav')
    with open(scm, 'w') as f:
        f.write(f"(voice_{voice})\n(Parameter.set 'Duration_Stretch {stretch:.3f})\n"
                f"(utt.save.wave (utt.synth (Utterance Text \"{word}\")) \"{raw}\" 'riff)\n")
    subprocess.run(['festival', '--batch', scm], check=True, capture_output=True)
    subprocess.run(['sox', '-q', '-R', '-D', raw, '-b', '16', '-c', '1', '-r', str(RATE), out,
                    'pitch', str(cents)], check=True, capture_output=True)
    return read_wav(out)[1]


def take(rng, voice, word, base_pitch, noise, tmp):
    speech = say(voice, word, rng.uniform(0.9, 1.1), base_pitch + rng.uniform(-50, 50), tmp)
    speech = speech[:RATE]
    peak = max(1e-6, max(abs(v) for v in speech))
    gain = 0.7 / peak * 10 ** (rng.uniform(-9, 0) / 20)
    speech = [v * gain for v in speech]
    clip = [0.0] * RATE
    start = rng.randint(0, RATE - len(speech)) if len(speech) < RATE else 0
    for i, v in enumerate(speech):
        clip[start + i] = v
    src = noise[rng.randrange(len(noise))]
    o = rng.randrange(len(src) - RATE)
    n = src[o:o + RATE]
    snr = rng.uniform(15, 35)
    scale = rms(speech) / max(1e-9, rms(n)) / 10 ** (snr / 20)
    return [c + scale * v for c, v in zip(clip, n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('voice', help='Festival voice, e.g. kal_diphone')
    ap.add_argument('--base-pitch', type=float, default=0.0, help='this "person"\'s pitch, cents from the voice')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--noise', default='/work/data/gsc-voices/_background_noise_')
    ap.add_argument('--keyword-takes', type=int, default=25)
    ap.add_argument('--other-takes', type=int, default=6)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    noise = [read_wav(os.path.join(a.noise, f))[1] for f in ('pink_noise.wav', 'brown_noise.wav', 'babble.wav')]
    shutil.rmtree(a.out, ignore_errors=True)
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for w in KEYWORDS:
            os.makedirs(os.path.join(a.out, w))
            for i in range(a.keyword_takes):
                write_wav(os.path.join(a.out, w, f'{i:03d}.wav'), take(rng, a.voice, w, a.base_pitch, noise, tmp))
        os.makedirs(os.path.join(a.out, 'other'))
        for t in range(a.other_takes):  # cycle the words so any first N takes span many words
            for w in OTHERS:
                write_wav(os.path.join(a.out, 'other', f'{n:04d}_{w}.wav'), take(rng, a.voice, w, a.base_pitch, noise, tmp))
                n += 1
    os.makedirs(os.path.join(a.out, '_background_noise_'))
    room = noise[0][:10 * RATE]
    level = 0.05 / max(1e-9, rms(room))
    write_wav(os.path.join(a.out, '_background_noise_', 'room.wav'), [level * v for v in room])
    print(f'{a.out}: {a.voice} at {a.base_pitch:+.0f} cents; {len(KEYWORDS)} keywords x {a.keyword_takes}, {n} other takes')


if __name__ == '__main__':
    main()
