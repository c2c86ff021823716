"""Rebuild transcripts_sample/: ten SYNTHETIC interviews about reusing pre-trained models.

Everything here is invented: the participants, their companies and every word they say. The
interviews are written once, below, in a small script format and rendered into the formats the
importer reads (Rev-style and protocol-style .docx, .txt, WebVTT), plus participants.csv.
Running it again writes the same bytes.

Usage: python scripts/build_sample.py [OUTPUT_DIR]

Script format, one line each:
    I: text        an interviewer turn
    P: text        a participant turn (two P: lines in a row are two turns, as Rev sometimes writes)
    + text         another paragraph of the previous turn
    ## Heading     a section heading (shown only in protocol-style documents)
    [inaudible]    becomes "[inaudible HH:MM:SS]" at the time it occurs
    {3}            a memo reference, rendered as a small superscript 3 glued to the text (Rev docx)
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.shared import Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "transcripts_sample"
WORDS_PER_SECOND = 2.5
PAUSE_SECONDS = 1.2
SYNTHETIC_NOTE = "SYNTHETIC sample interview: invented for the study tool, no real participant."


# --- the script format ---------------------------------------------------------------------------


@dataclass
class Turn:
    role: str  # "I" (interviewer) or "P" (participant)
    paragraphs: list[str]
    heading: str | None = None  # section heading just before this turn
    start: float = 0.0  # seconds from the start of the recording


def parse_script(script: str) -> list[Turn]:
    turns: list[Turn] = []
    heading = None
    for raw in script.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            heading = line[3:]
        elif line.startswith("+ "):
            turns[-1].paragraphs.append(line[2:])
        elif line[:3] in ("I: ", "P: "):
            turns.append(Turn(line[0], [line[3:]], heading))
            heading = None
        else:
            raise ValueError(f"script line not understood: {line!r}")
    return timed(turns)


def words(text: str) -> int:
    return len(text.split())


def timed(turns: list[Turn], start: float = 3.0) -> list[Turn]:
    """Give each turn a start time, as if spoken at a steady pace, and fill in [inaudible] marks."""
    now = start
    for turn in turns:
        turn.start = now
        filled = []
        for paragraph in turn.paragraphs:
            filled.append(fill_inaudible(paragraph, now))
            now += words(paragraph) / WORDS_PER_SECOND
        turn.paragraphs = filled
        now += PAUSE_SECONDS
    return turns


def fill_inaudible(text: str, start: float) -> str:
    parts = text.split("[inaudible]")
    out = parts[0]
    for part in parts[1:]:
        out += f"[inaudible {hms(start + words(out) / WORDS_PER_SECOND)}]" + part
    return out


def hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3600000:02d}:{millis % 3600000 // 60000:02d}:{millis % 60000 // 1000:02d}.{millis % 1000:03d}"


MEMO = re.compile(r"\{(\d+)\}")


def without_memos(text: str) -> str:
    return MEMO.sub("", text)


# --- renderers -----------------------------------------------------------------------------------


@dataclass
class Interview:
    stem: str
    format: str  # a key of RENDERERS
    script: str
    date: datetime
    options: dict = field(default_factory=dict)

    @property
    def turns(self) -> list[Turn]:
        return parse_script(self.script)


def render_rev_docx(interview: Interview, path: Path) -> None:
    """Rev style: a "Speaker N:" paragraph, then the turn's paragraphs; optional metadata header."""
    doc = Document()
    turns = interview.turns
    if interview.options.get("header"):
        end = turns[-1].start + sum(words(p) for p in turns[-1].paragraphs) / WORDS_PER_SECOND
        created = interview.date.replace(hour=16, minute=12, second=9)
        header = [
            ("Name: ", interview.stem),
            None,
            ("Created On: ", us_datetime(created)),
            ("Created By: ", "sample builder (SYNTHETIC)"),
            ("Modified On: ", us_datetime(created.replace(hour=17, minute=40))),
            ("Modified By: ", "sample builder (SYNTHETIC)"),
            ("Duration: ", hms(end)),
            None,
        ]
        for item in header:
            paragraph = doc.add_paragraph()
            if item:
                paragraph.add_run(item[0]).bold = True
                paragraph.add_run(item[1])
    for turn in turns:
        label = "Speaker 1" if turn.role == "I" else "Speaker 2"
        if interview.options.get("timestamps"):
            label += f" ({hms(turn.start)})"
        doc.add_paragraph(label + ":")
        for text in turn.paragraphs:
            add_with_memos(doc.add_paragraph(), text)
    save_docx(doc, path, interview)


def us_datetime(when: datetime) -> str:
    """Like the real header: 8/9/2022 4:49:34 PM."""
    hour = when.hour % 12 or 12
    return f"{when.month}/{when.day}/{when.year} {hour}:{when:%M:%S} {'PM' if when.hour >= 12 else 'AM'}"


def add_with_memos(paragraph, text: str) -> None:
    """The authors' memo numbers sit glued to the text as small raised digits, as in the real files."""
    pieces = MEMO.split(text)
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        run = paragraph.add_run(piece)
        if index % 2:
            run.font.superscript = True
            run.font.size = Pt(8)


def render_protocol_docx(interview: Interview, path: Path) -> None:
    """Protocol style: the protocol's questions, each followed by "Answer: ...", under section headings.

    ``inline`` puts the answer in the question's paragraph after a line break; otherwise the answer
    is a paragraph of its own.
    """
    inline = interview.options.get("inline", False)
    doc = Document()
    doc.add_heading("Interview Protocol", level=0)
    doc.add_paragraph(SYNTHETIC_NOTE + f" ({interview.stem})")
    doc.add_paragraph(
        "This interview is about how practitioners find, judge and reuse pre-trained models from model "
        "hubs. The questions cover background, model selection, model attributes and trust."
    )
    question = None
    for turn in interview.turns:
        if turn.heading:
            doc.add_heading(turn.heading, level=1)
        if turn.role == "I":
            question = doc.add_paragraph(style="List Number" if inline else None)
            question.add_run(" ".join(turn.paragraphs))
            continue
        first, *more = turn.paragraphs
        if inline and question is not None:
            target = question
            target.runs[-1].add_break()
        else:
            target = doc.add_paragraph()
        label = target.add_run("Answer: ")
        label.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
        target.add_run(first)
        for text in more:
            if inline:
                target.runs[-1].add_break()
                target.add_run(text)
            else:
                doc.add_paragraph(text)
        question = None
    save_docx(doc, path, interview)


def render_labelled_txt(interview: Interview, path: Path) -> None:
    """Plain text: "Name: text" lines (or "Name (00:01:02): text"), a blank line between turns."""
    names = interview.options["names"]
    timestamps = interview.options.get("timestamps", False)
    blocks = []
    for turn in interview.turns:
        label = names[turn.role] + (f" ({hms(turn.start)})" if timestamps else "")
        first, *more = (without_memos(p) for p in turn.paragraphs)
        blocks.append("\n".join([f"{label}: {first}", *more]))
    text = "\n\n".join(blocks) + "\n"
    newline = interview.options.get("newline", "\n")
    path.write_bytes(text.replace("\n", newline).encode(interview.options.get("encoding", "utf-8")))


def render_vtt(interview: Interview, path: Path) -> None:
    """WebVTT: each turn split into several cues of one or two sentences, with <v Name> voice tags."""
    names = interview.options["names"]
    close = "</v>" if interview.options.get("close_voice") else ""
    lines = ["WEBVTT", "", "NOTE", SYNTHETIC_NOTE, ""]
    number = 0
    for turn in interview.turns:
        now = turn.start
        for paragraph in turn.paragraphs:
            for chunk in cue_chunks(without_memos(paragraph)):
                number += 1
                length = max(1.5, words(chunk) / WORDS_PER_SECOND)
                lines.append(cue_id(interview, number))
                lines.append(f"{vtt_time(now)} --> {vtt_time(now + length)}")
                lines.append(f"<v {names[turn.role]}>{chunk}{close}")
                lines.append("")
                now += length
    path.write_text("\n".join(lines), encoding="utf-8", newline="\n")


def cue_chunks(text: str, limit: int = 18) -> list[str]:
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    chunks: list[str] = []
    for sentence in sentences:
        if chunks and words(chunks[-1]) + words(sentence) <= limit:
            chunks[-1] += " " + sentence
        else:
            chunks.append(sentence)
    return chunks


def cue_id(interview: Interview, number: int) -> str:
    if interview.options.get("guid_ids"):
        # Teams-style identifiers: a GUID-like prefix and the cue number.
        digest = hashlib.sha1(f"{interview.stem}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}/{number}-0"
    return str(number)


RENDERERS = {
    "rev_docx": (".docx", render_rev_docx),
    "protocol_docx": (".docx", render_protocol_docx),
    "txt": (".txt", render_labelled_txt),
    "vtt": (".vtt", render_vtt),
}


def save_docx(doc, path: Path, interview: Interview) -> None:
    """Save with fixed metadata and zip timestamps, so rebuilding gives identical bytes."""
    props = doc.core_properties
    props.author = "study sample builder"
    props.last_modified_by = "study sample builder"
    props.title = f"{interview.stem} (SYNTHETIC)"
    props.comments = SYNTHETIC_NOTE
    props.created = props.modified = interview.date
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2022, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))


# --- the interviews ------------------------------------------------------------------------------

P01 = """
I: Okay, I think the recording is running now. Thanks again for taking the time. First a few questions about your background, short answers are fine. What is your role in your team?
P: Sure. I'm a machine learning engineer at a payments company, mid-size, maybe four hundred people. I'm in a team of six and we own everything that reads customer messages, so routing emails and chats to the right queue, spotting complaints, that kind of thing.
I: Okay. And how long have you been working with deep learning?
P: Around five years now. Before that I did backend work, mostly Java.
I: Right. Can you tell me about the last time you used a pre-trained model from a model hub like Hugging Face?
P: Yeah, that's pretty recent actually. Two months ago we replaced our old intent classifier. It was a bag-of-words thing with logistic regression, okay for English but really bad for German. So we took a multilingual encoder from Hugging Face and fine-tuned it on about forty thousand emails that the old system had already sorted and that agents had corrected.
I: Okay.
P: And that went live in June.
I: Before you picked that model, did you consider building something yourselves?
P: For about ten minutes. Training a language model from scratch is not something a team of six does, honestly. The real question was whether anything off the shelf handles German banking language well enough, or whether we should pay for an API. The API was out because the emails contain account numbers and we are not allowed to send customer data to a third party.
I: So how did you choose among the candidates?
P: I went to the hub and filtered by task, fill-mask, because I wanted a base model, and by German. Then I sorted by downloads. That gives you maybe thirty, and I opened the model cards of the top ten or so. Three of them had a proper card with the training data and some evaluation numbers, the rest were basically empty. So that was the shortlist of three, and then we tried them.
I: When you say tried them, what did that look like?
P: We fine-tuned each one with the same script and the same settings on our data and compared F1 on a held-out month of emails. The differences were small, around one point. We picked the fastest one, because in the end it runs on CPU.
I: Okay. When you select, do you care more about the model's performance or its architecture?
P: Performance on our data, definitely. Architecture only in the sense of, does our serving code already support it. If it's a standard encoder, fine. If it needs custom code from the repository, I'm much less interested.
I: Why is that?
P: Because then we have to trust and maintain that code. With the standard pipeline it's three lines and everyone in the team knows how it works.
I: Do you think the models on the hub describe their behavior accurately?
P: Mixed. The big ones from well-known labs, mostly yes. The community ones, less so. One of the three on our shortlist reported ninety-two accuracy on a German news classification set. When we ran their checkpoint on that same dataset, with their preprocessing as far as we could tell, we got eighty-five. So the numbers didn't match.
I: And what did you make of that?
P: Could be many things. Maybe they evaluated on the validation split, maybe on a different version of the dataset. The card doesn't say which split. So I don't think anyone lied, but you can't use the number.
I: To what extent does that kind of discrepancy affect your decision?
P: For us, not so much, because we fine-tune anyway and we measure on our own data. The reported number is a hint for the shortlist. If I used the model as it is, without fine-tuning, a seven-point gap would be a deal breaker.
I: Okay. How often do you fine-tune again?
P: The production model every quarter, with the new corrected emails. Experiments, much more often.
I: Let's talk about deployment. You mentioned CPU?
P: Yes. Our inference runs on ordinary CPU machines, there are no GPUs in production, that decision is above my pay grade. So latency was a big topic. The fine-tuned model in full precision took about one hundred eighty milliseconds per email. Our budget is fifty.
I: How did you get it down?
P: Dynamic quantization to int8 first, that gave roughly a factor of two. Then we cut the maximum sequence length, because most emails are short anyway. We ended up around forty milliseconds and lost about half a point of F1, which was fine.
I: Would it have helped to know the latency before choosing?
P: Absolutely. Nobody publishes that. I would love one line on the model card, like, this many milliseconds on a standard CPU for a sequence of length one hundred twenty-eight. I spent two days measuring things that could have been one small table.
I: Okay. Were there other challenges while selecting?
P: Licenses. Our legal team approves every model. Two of the models I liked had no license on the card at all, and one had a license tag that said Apache while the README said research use only. [inaudible] so we dropped both.
I: So the license decided it?
P: It's a filter. No clear license, no discussion. Legal doesn't care how good the model is.
I: Right. If you could add information to the hub, what would you add?
P: The latency numbers, like I said. Which data exactly, with the split. And I'd like the license to be checked somehow, so that the tag and the README can't contradict each other.
I: How important is the popularity of a model for you?
P: It's my first filter, the downloads mostly. I know it's a bit of a herd thing. But if fifty thousand people downloaded it last month, the obvious bugs have been found.
I: Is there anything about reusing these models that we haven't talked about?
P: Maybe the tokenizer thing. One model on the shortlist had a tokenizer on the hub that didn't match the vocabulary the model was trained with, so you got garbage until you noticed. That cost me a day. It was not mentioned anywhere on the card, I found it in a discussion thread. [inaudible]
I: Okay, that's really helpful. Thank you so much for your time.
P: Sure, happy to help.
"""

P02 = """
I: All right, we're recording. Thanks for joining. To start, could you tell me a little about your role?
P: Yeah. I'm a research engineer at a large tech company, in an applied group. We sit between research and the product teams, so a lot of my work is taking things that came out of papers, ours or other people's, and making them work on product data. Mostly vision, some multimodal work lately.
I: Okay. How big is the team?
P: Around thirty, if you count the people who rotate in and out.
I: Got it. When was the last time you used a pre-trained model from an external hub?
P: This week, honestly. I'm evaluating image-text models for a retrieval feature. Last week it was segmentation backbones. It's pretty much constant.
I: Okay.
P: Yeah.
I: So when you start something like that, how do you decide which models to look at?
P: For vision I usually start from the papers. I know the field, so I know roughly which model families are worth trying. Then I go to the benchmark tables, papers with code mostly, and the leaderboard for the specific task, to see what is state of the art right now. And then I check which of those have weights on the hub.
I: Do you take the weights from the hub or from GitHub?
P: Both. The hub is nicer because the loading code is standardized. Repositories from papers are, you know, every one has its own way of doing things, and half of them pin a version of PyTorch from three years ago.
I: Okay. Do you prefer checkpoints from particular uploaders?
P: Yes. I look at who uploaded it. If it's the lab that wrote the paper, or one of the big organizations, I trust it more. If it's some user who re-uploaded it, I want to know why it exists. Sometimes there are ten copies of the same checkpoint, some fine-tuned on who knows what, and the names don't tell you.
I: How do you deal with that?
P: I compare file hashes sometimes. [inaudible] It's ridiculous, but that's how you find out which ones are identical. Search on the hub is fine for finding a name, but once you have twenty near duplicates it doesn't help at all.
I: If the hub showed you which upload is from the original authors, would that help?
P: A lot. Like a verified badge for the organization, or a mark that says this is the official checkpoint for this paper. Some of that exists for organizations now, but it doesn't tell you whether a particular model was checked. I'd also like a badge saying the file was scanned and is in a safe format.
I: Safe format meaning what?
P: Pickle. The default PyTorch checkpoint is a pickle, and unpickling can execute code. So downloading a random checkpoint and loading it is basically running a stranger's script on your machine. We have an internal rule now that anything from outside gets loaded in a sandbox first, unless it's safetensors.
I: Has that rule caused problems?
P: It slows people down. And a lot of older models only exist as pickles. Sometimes we convert them inside the sandbox and keep the converted copy internally.
I: Okay. When you're selecting, do you care more about performance or architecture?
P: Depends on the stage. For the shortlist, performance on the benchmark. But architecture matters a lot for us, because we often need to change something. I need features from an intermediate layer, or a different input resolution, and some architectures make that really painful.
I: Okay.
P: So architecture is a close second.
I: Do you think the models in the registries describe their behavior accurately?
P: The performance numbers, often not exactly. The architecture, usually yes, but not always. I had one case where the card said it was the large variant, and the config had the layer count of the base variant. Somebody mixed up the uploads.
I: Oh, interesting. How did you notice?
P: The file was too small. A large model with a three hundred megabyte file doesn't add up. Then I opened the config.
I: What did you do?
P: Opened a discussion on the model page. Nobody answered. That's the other thing: many of these uploads are fire and forget. The author published it with a paper and moved on.
I: So how important is it for you that a model is maintained?
P: For something that goes into a product, important. I check when it was last updated and whether the discussions get answers. For research comparisons I don't care, I just need the weights to be what they say they are.
I: How do you handle discrepancies between the reported and the actual performance?
P: We always reproduce the reported number first, on the same benchmark, before we do anything on our data. If we can't get within about one point, we dig. Usually it's preprocessing: resize before or after the crop, normalization constants, that kind of thing. The card rarely says.
I: What would help you reproduce those numbers?
P: The exact evaluation setup. And the training configuration: hyperparameters, batch size, learning rate schedule, number of epochs. And the hardware. If something was trained on a big TPU pod with a huge batch, I'm not going to get the same result on eight GPUs with gradient accumulation, it's just different.
I: Okay.
P: And ideally someone other than the authors has reproduced the number. Some kind of note that says, this result was re-run by the hub or by a third party, and here's what they got. That would save me a lot of time.
I: Let's go through some attributes. How important is popularity, like downloads and likes?
P: For me, low. Downloads tell you what's popular, not what's good. Many downloads come from tutorials and test pipelines. I look at it, but it doesn't decide anything.
I: And quality?
P: Quality is what I actually want, and what the hub can't really show. There's no signal on the page whether the model is high quality or a weekend experiment. Evaluation results that the hub checked itself would be a start.
I: What about the performance tables on model cards?
P: When they exist they're useful, but I need to know how the numbers were measured. A table with top-1 accuracy and nothing else: which split, which resolution, single crop or ten crops? It's half the information.
I: Do you use the demos on the model pages?
P: The widget, yes, as a smoke test. I throw three or four of our images at it. If the output is obviously wrong, I don't bother downloading.
I: Okay. Have you had problems with frameworks?
P: Yes. A model I wanted was only released in JAX, and our whole stack is PyTorch. There was a community conversion, but then you're trusting the conversion. We ended up checking the outputs layer by layer against the original.
I: How long did that take?
P: Two or three days. For one model.
I: Do you fine-tune the models you take?
P: Almost always. Either full fine-tuning, or we train only the last blocks. And that's another thing: a fine-tuning script from the authors, with the settings that worked for them, is worth a lot. Most papers only describe pre-training.
I: Is fine-tunability something you consider when selecting?
P: Yes. If a model needs a training framework that isn't public, or it's too big to fine-tune on what we have, it's out. We're a big company, but GPU quota is still a thing.
I: Right. Do you ever choose models just because you used them before?
P: All the time. I know how the ResNet family behaves, I know its failure modes. If two models are close, I pick the one I have experience with. And the community matters. For the popular families, if something breaks, someone on the forum had the same problem last month. That kind of support is worth a point of accuracy.
I: What other challenges do you face with the hub?
P: Finding things, like I said. And the model cards. They range from excellent to a single line. For the single-line ones I'm basically reading the code to find out what the model does.
I: Anything else you'd like to add?
P: Maybe this: the hub has become the place where papers put their weights, which is great, but there is no standard for what has to be written down. So the same basic facts are missing again and again. A minimum set of fields would help everyone.
I: Great. Thanks so much, this was really useful.
P: Sure, anytime.
"""

P03 = """
I: Thanks for joining. Could you start by describing your role?
P: I'm the only machine learning person at a small retail analytics startup. We count products on supermarket shelves from photos. So I do everything: the data, the training, and deployment on the devices in the stores.{1}
I: Okay. Can you tell me about a recent time you used a pre-trained model from a hub?
P: Last month. We needed a better detector for small items, like spice packets, and I tried a few newer detection models from the hub.
I: How did you choose which ones to try?
P: Honestly, I start with the newest. In vision things move so fast that a model from three years ago is usually beaten by something released last spring. So I check the release date, read what changed, and try the latest two or three that have weights.{2}
I: Okay. Do you use them as they are, or do you change them?
P: Mostly I use the backbone. I keep the pre-trained backbone frozen, take its features, and train my own small detection head on top, because our products are very specific and I don't have enough images to train the whole thing.{3}
I: Okay.
P: Later, when I have more data, I unfreeze some layers and fine-tune a bit more.
I: What information do you look at on the model page?
P: First the model card, if it says anything. What data it was pre-trained on matters a lot for me. A backbone trained only on nature photos does worse on shelves than one that has seen product images. Then the size, because everything has to run on a small edge device with a few gigabytes of memory.{4}
I: Was there anything you needed that wasn't there?
P: The architecture details, many times. For detection the input resolution and the stride of the feature maps matter. One card only said it is based on a transformer backbone, nothing else. I had to load it and print the layers.{5}
+ Also training logs. If I could see the loss curves I would know whether they trained it fully or stopped early. Some authors link their experiment tracking and it helps a lot, but that's rare.
I: Did you run into problems adapting the models?
P: Yes, the input size. One model had the image size fixed in its position embeddings. Our shelf photos are very wide, and the model only takes square inputs, so we have to cut each photo into tiles, which breaks products at the tile borders. I couldn't change it without retraining the embeddings.{6}
I: How did you solve that?
P: Partly. We overlap the tiles and merge the boxes. It works, but it is extra code that I have to maintain. [inaudible]
I: Do you think models on the hub accurately describe themselves?
P: The ones from big groups, mostly. But to be honest I haven't checked their numbers carefully. I only care how it does on my shelves.
I: How do you check that?
P: I have a test set of six hundred shelf photos with boxes that I drew myself. Every candidate gets evaluated on that, and I look at the recall on small items.{7}
I: How about deployment, was anything difficult?
P: Memory and speed on the device. The newest model was the best on my test set, but it didn't fit in memory next to the other things running. So I went one size down. It's always this trade-off.{8}
I: And do downloads or likes play a role?
P: A little. If a model has almost no downloads, I'm suspicious. But new models have small numbers anyway, so it doesn't help with the newest ones, which are the ones I want.
I: That's an interesting point. Is there anything else you'd want the hub to show?
P: Honestly, better documentation would solve most of it. A complete card with the data, the architecture and how it was trained. Right now half the cards are empty templates.{9}
I: Okay. Thank you, that's everything I had.
P: Thank you.
"""

P04 = """
I: Okay, we're recording. Can you tell me briefly what you do?
P: I'm a data scientist at a small company that makes a language learning app. I work on the models that check learners' written answers, on the phone, offline.
I: When did you last use a pre-trained model from Hugging Face?
P: This year we replaced our grading model. We took a big multilingual model from the hub, fine-tuned it on answers our teachers had graded, and it was great, but far too big for a phone.
I: What did you do about that?
P: Knowledge distillation. The fine-tuned big model was the teacher model, and we trained a small student model with six layers to copy its outputs on a few million sentences. Then we quantized the student to int8 and deployed it in the app. The final model is about twenty megabytes.
I: How much did you lose?
P: Around two points of agreement with the teachers, compared with the big model. For us that's acceptable.
I: How did you choose the teacher?
P: I looked for models trained on many languages, because our learners write in Portuguese, Spanish and English. Then size. Then I read the model cards to see what they were evaluated on.
I: Was the information you needed on the cards?
P: Not really. They said nothing about speed or memory on a phone. I had to convert and test every candidate myself, which took weeks. Even a rough number would have helped.
I: What else made it hard?
P: Time and money. Distillation needs a lot of GPU hours, and we are a small company, so I could only afford to try it with two teachers.
I: Last question. Is there anything you'd like model hubs to do differently?
P: Say for every model whether a small or distilled version exists. Sometimes it exists and you don't find it, because the name is completely different.
I: Great, thank you.
"""

P05 = """
## Background
I: What is your role, and what does your team build?
P: I'm a senior software engineer at a health software company of about three hundred people. My team of eight builds features that pull structured information out of clinical notes, such as medications and diagnoses.
I: How long have you worked with deep learning, and on how many projects?
P: Four years, six or seven projects, all of them text.
I: When did you last take a pre-trained model from a model hub, and what for?
P: Early this year, for recognizing medication names and doses in notes. We started from a model that was pre-trained on biomedical papers and clinical text, and fine-tuned it for our entity types.
I: What challenge did you meet?
P: Reproducing the model's reported results before we built on it. It took much longer than planned. I can give details later.
## Model selection
I: Think of the last time you chose a model from a hub. How did you decide?
P: First we asked whether reusing a model was feasible at all, because general models really struggle with the abbreviations in notes, and a model trained on general web text was not worth reusing. That left maybe five candidates that had seen clinical text. Then we checked licenses, read the papers behind them, and tested the remaining three on a de-identified sample of our notes.
I: Where do the models come from: a hub or GitHub repositories?
P: The hub for the weights, GitHub for the training code when it exists.
I: Which matters more to you when selecting, performance or architecture?
P: Performance on our notes. The architectures were all very similar.
I: Does the data a model was trained on influence your choice?
P: It's the most important factor for us. The model pre-trained on clinical text was ten points better before any fine-tuning.
I: Are there other factors you consider?
P: The license, and whether we can fine-tune it on our own servers. Patient data can never leave our environment, so anything that needs a hosted API is impossible. We also have to be careful that a model was not trained on data it shouldn't have seen. A model that memorized real patient notes would be a privacy problem for us too.
I: How often do you retrain or fine-tune?
P: Every few months, when our guidelines for what counts as a medication change.
I: Do you think lack of fine-tunability is a problem when reusing a model?
## Attributes
I: What information on a model page would best help your team choose?
P: Clear statements of intended use and limitations. For clinical models, a card that says this is for research and not for patient care is important, we need to know what the authors meant the model for. Then the training data and the license.
I: Tell me about a time you had a reproducibility problem with a pre-trained model.
P: The model we picked reported an F1 score on a public clinical benchmark. At first we could not get within three points of it. It turned out to depend on library versions: a tokenizer change in a later version split some abbreviations differently.
I: How did you address it?
P: We pinned every version to what we guessed they had used, from the dates of their commits. It took two weeks. If they had published a Docker image, or even a pinned requirements file, it would have taken an afternoon.
+ Since then we publish a container with every model we share internally, so nobody has to guess again.
I: Are there other reproducibility problems you've met?
P: Hardware. Their results came from one kind of GPU with mixed precision, and on ours the numbers differ a little. They also didn't list the learning rate or the number of epochs for the fine-tuning, only for pre-training.
I: What would have been useful to know beforehand?
P: The environment, the hardware specification and the full training configuration. And whether anyone else reproduced the result. If a third party had re-run it and got the same number, I would trust it much more.
## Trustworthiness
I: Have you found discrepancies between what a model claims and what you downloaded?
P: Only the performance gap I described, and that came from the environment, not from the model itself.
I: What would you do if you found one?
P: Report it in the discussion tab and move on to another model. For clinical work we can't use something we don't understand.
I: Do you read the model card before anything else?
P: Always. Though for two of our five candidates the model card was empty, so we read the paper instead.
"""

P06 = """
## Background
I: Could you describe your role and your team?
P: I lead the data team at a social media analytics startup, five people. We track what people say about brands online, mostly in English, Nigerian Pidgin, Yoruba and Hausa.
I: When did you last use a pre-trained model from a hub?
P: Every week. Right now our biggest use is labeling. We run a zero-shot classification model over new posts to pre-annotate them with topics, and our annotators only correct those labels instead of starting from nothing. It roughly tripled how many posts they get through in a day.
I: What challenge did you meet?
P: The zero-shot model is weak on Pidgin, so for those posts the pre-labels are often wrong, and fixing a wrong label can be slower than labeling from scratch.
I: How did you address it?
P: We now only pre-label when the model is confident, and we use the corrected labels to fine-tune a smaller classifier for each client.
## Model selection
I: How did you choose the model you use for pre-labeling?
P: For our use case the most important thing was languages. Very few models on the hub say anything about African languages, so we searched a lot. The search is hard because the tags are inconsistent: some use the language code, some the name, some nothing.
I: What else did you consider?
P: Cost. We can't afford big GPUs, so it had to run on one small GPU. And support: whether people answer on the forum when something breaks, because we don't have a research team behind us.
I: Do you also use models in other ways?
P: Yes. We take sentence embeddings from a multilingual encoder and cluster posts to find new topics. Nothing is trained there, we use the embeddings as they are.
I: Which matters more for you, performance or architecture?
P: Performance on our languages. The architecture doesn't matter to us.
I: Do models on the hub describe their behavior accurately?
P: Not for our languages. One model claimed to support over a hundred languages including Yoruba, and on our Yoruba posts it was barely better than random. Technically it supports Yoruba, I suppose, but the claim is misleading.
## Attributes
I: What information would best help you select a model?
P: Results per language. Not one average over a hundred languages, but a table with each language. And the license spelled out, because some cards say nothing and our clients ask us.
I: Have you tried the demos on model pages?
P: Yes, the little widget. I paste a few Pidgin posts into it. It's the fastest way to see if a model is hopeless for us.
I: Were there problems with trusting the models?
P: One model needed us to allow remote code to load it, which means running Python files from its repository. I read the files first, but I'm not comfortable doing that for every update, it's a security risk. We stopped using it.
I: How much does the model card matter to you?
P: It's where I start. But half the models I looked at had an empty model card, or just the default template.
I: Is there anything else you would like to add?
P: I wish the hub made it easier to find models by language. That's really our main problem.
"""

P07 = """
I: Thanks for making time. Let's start with your background. What do you do?
P: I'm on the ML platform team at a large e-commerce company. We don't build the models ourselves so much, we run them. Product teams come to us with a model they found on the hub, and we get it into production and keep it alive.
I: How many models are we talking about?
P: Around forty in production right now, and most of them started as something from Hugging Face. Search ranking, product categorization, a couple of image models.
I: Can you tell me about a recent one?
P: Sure. A team wanted a sentence similarity model to match duplicate product listings. They picked one from the top of a leaderboard for semantic similarity, fine-tuned it on our listings, and handed it to us.
I: And how did that go?
P: It was a big model. Accurate, but at our traffic it would have needed a lot of GPUs. We worked out the serving bill, and it was more than the team's budget for the whole year. So there was some back and forth, and they chose a model half the size that was about one point worse.
I: So cost was a deciding factor?
P: Cost and latency are always the deciding factors at our scale. A search request has maybe thirty milliseconds for everything, so a model gets ten, maybe fifteen. The leaderboard tells you nothing about that.
I: What would you want the hub to tell you?
P: A cost estimate, even a rough one. Like, on this instance type you get this many requests per second, so a million requests cost about this much. And latency figures and throughput per type of hardware. We spend a lot of time measuring things that the authors could measure once.
I: Okay. Do you compress the models yourselves?
P: Sometimes, but I prefer it when there is already a quantized version on the hub from the authors, because then I know they checked the accuracy drop. When we quantize ourselves, we have to rerun all the evaluations.
I: How do you handle frameworks?
P: We serve everything through ONNX where we can. So a model that exports cleanly to ONNX is worth a lot. Some models have custom layers that don't export, and then it's a week of work, or we say no.
I: Do you run into version problems?
P: Constantly. A model card says use transformers, but not which version, and the model was saved with a version from two years ago. Loading it with the current version gives warnings, sometimes an error, and once it silently gave different outputs. That one was bad, it was in production for a week before anyone noticed.
I: How did you notice?
P: The click-through rate dropped. Then we compared the outputs of the old and the new environment and found that the tokenizer behaved differently between versions.
I: How do you decide whether a model is maintained?
P: I look at the commit history and the discussion tab. If the last commit is two years old and there are open questions that nobody answered, I tell the team to expect to own it completely. That's fine sometimes, but they need to know.
I: Do downloads matter to you?
P: As a sanity check. Lots of downloads means the loading code probably works. It doesn't say anything about quality. Some of the most downloaded models are honestly not very good, they're just in every tutorial.
I: What about the model cards in general?
P: The good ones are great. The average one is missing half of what I need: no latency, no hardware, nothing about input limits. I would make a few fields mandatory if I could.
I: Which fields?
P: The framework and library versions, the maximum input length, the license, and some evaluation. Those four would have prevented most of our incidents.
I: Is ease of use a factor for the teams?
P: For the product teams, a big one. If it works out of the box with the standard pipeline in a notebook, they'll try it. That's also a risk, because working in a notebook is not the same as working at fifty thousand requests per second.
I: Anything else you want to mention?
P: Maybe that the hub is built for researchers sharing models, and we use it as a supply chain. Those are different needs.
I: Great. Thank you very much.
P: No problem.
"""

P08 = """
I: Thank you for joining, José. To start, what's your role?
P: Thanks. I’m a machine learning researcher at a mid-size HR software company in Mexico City. We build tools for recruiters, for example matching job descriptions with CVs, mostly in Spanish and some in English.
I: When did you last use a pre-trained model from a hub?
P: Last spring. We needed a Spanish language model to rank CVs against job descriptions. We took a Spanish model from the hub and fine-tuned it on pairs that recruiters had marked as good or bad matches.
I: How did you choose it?
P: We need good Spanish, and not only the Spanish of Spain, also Mexican and other Latin American variants. Many “multilingual” models are weak there. So I looked for models trained on Latin American text, read their papers, and compared the results tables on the model cards for Spanish tasks. Then we tested the best three on our own pairs.
I: Does your use case change what you look for?
P: Completely. Our use case is hiring, and in hiring a model that prefers some candidates for the wrong reasons is a legal and ethical problem, not only an accuracy problem. So for us the question is not just which model is most accurate.
I: Can you say more about that?
P: We tested whether the ranking changes when you only swap the name on a CV, from a man’s name to a woman’s name, or from a Spanish surname to an Indigenous surname. With one candidate model the scores moved quite a lot. Its card said nothing about bias.
I: What did you do?
P: We dropped that one. The model we use now also moves a little, so we added our own checks and we remove names before ranking. But I would love model cards to have a section on fairness, how the model behaves for different demographic groups, at least in the languages it claims.
I: Was anything else missing from the cards?
P: The training data. Most Spanish models say “trained on a large Spanish corpus” and that’s it. Was it news? Social media? Wikipedia? For bias that matters a lot, and for quality too.
I: Do the models describe their performance accurately?
P: Mostly, I would say. One reported a number on a Spanish benchmark that I could not get, I was maybe four points lower, but they didn’t say which version of the benchmark, so I’m not sure it is really a discrepancy.
I: Did you fine-tune all of them the same way?
P: Yes, with our own script. For one model the authors gave a fine-tuning recipe with the hyperparameters they used, and that one was the easiest to get working. For the others I guessed.
I: What about licenses?
P: One card had no license at all, and another showed a license on the hub page that was different from the one in its GitHub repository. We asked the authors. They answered after a month.
I: Is there anything on the model page that tells you what the model is meant for?
P: Sometimes there is an “intended use” section, and I read it carefully. One model said explicitly that it is not meant for decisions about people. That’s honest, and it meant we couldn’t use it.
I: So what would you like the hub to add?
P: Bias evaluation, real descriptions of the training data, and a clear license. In that order, for my work.
I: Thank you, José, this was very helpful.
P: Con gusto. Thank you.
"""

P09 = """
I: Okay, I think we're live. Could you start by telling me about your role?
P: Sure. I'm one of three engineers at a startup that builds customer service chatbots for small online shops. I do the model side: choosing models, fine-tuning, serving.
I: When did you last use a pre-trained model from Hugging Face?
P: Last month we moved from a hosted API to our own model. Partly cost, partly because our customers didn't like their chat logs going to a third party.
I: How did you decide to make that switch?
P: We asked whether an open model could do the job at all. For the simple shop questions, like order status, returns or opening hours, a small open model that we fine-tune is good enough. For open-ended questions it's not. So reuse was feasible for about eighty percent of the traffic, and we kept the API for the rest.
I: And how did you pick the model?
P: I started from families I already knew. I had fine-tuned one of them at my previous job, so I was familiar with how it reacts to this kind of data. Then it was about size: it has to fit on one mid-range GPU with room for batching, and we have to be able to fine-tune it on the same card.
I: So being able to fine-tune it was important?
P: Essential. If I can't train it further on our conversations, it's useless to me. Some models only published the chat version without the base model, or the license forbids fine-tuning for commercial use, so they were out early.
I: Did you use the model as it was after fine-tuning?
P: No, we distilled it. We fine-tuned the largest model that fits on our training machine as a teacher, generated answers for a lot of real questions, and trained a smaller student model on those. The student is about a quarter of the size and surprisingly close.
I: Interesting. Did you do anything else to make it smaller?
P: We quantized the student to four bits for serving. I would rather have found a ready quantized version from the authors, but there was none for the base model we used, only community uploads, and I don't trust those.
I: Why not?
P: You don't know what they did. And a lot of those uploads are pickle files, which can run arbitrary code when you load them. We only load safetensors from anyone we don't know.
I: Did you have trouble getting the models to run?
P: Yes, with the tokenizer. The chat template on the hub didn't match the format the model was actually trained with, so the fine-tuned model kept producing strange tokens at the start of its answers. It took me two days to find, and it wasn't mentioned on the model card.
I: How good were the model cards in general?
P: The base models from the big groups have decent cards. The community fine-tunes usually have nothing about the data, maybe one sentence. You don't know the data, you don't know the prompt format. I skip those now.
I: Did the models perform as their cards claimed?
P: I didn't check their benchmark numbers. I only test on our own conversations, with a set of two hundred questions where we know the right answer.
I: What would you like the hub to add?
P: The exact prompt format, and what hardware you need to fine-tune a model, not just to run it. And quantized versions published by the authors themselves.
I: Okay. Thanks, that's all my questions.
P: Thanks, good luck with the study.
"""

P10 = """
I: Hi Tomasz, thanks for joining. Can you hear me okay?
P: Yes, all good.
I: Great. So first, a few background questions. What's your role?
P: I'm a computer vision engineer at a company that builds robots for warehouses. Our robots pick boxes from shelves, so I work on perception: detecting the boxes and estimating where to grip them.
I: How big is your team?
P: Twelve people in perception, around sixty engineers in total.
I: Okay. When did you last reuse a pre-trained model?
P: Now, in fact. We are replacing our segmentation network. We use a pre-trained vision transformer as a frozen feature extractor and train our own segmentation head for boxes, tape and the stickers on the boxes.
I: Why frozen?
P: Two reasons. We have only a few thousand images with masks. And the same backbone serves three heads on the robot, so we compute the features once.
I: Okay.
P: Yeah.
I: How did you decide it was worth reusing a model here, instead of training your own?
P: We did train our own before, a small CNN from scratch. It was fine for the boxes we had in training but failed on every new packaging design. The big pre-trained models have seen so many images that they generalise much better. So the decision was easy this time.
I: And how did you choose the specific model?
P: First the type. We wanted a transformer backbone, because we had good results with them in another project. Then I searched the hub and there were hundreds of variants: different sizes, patch sizes, pre-training methods. The search gives you a list but doesn't help you compare them.
I: How did you narrow it down?
P: I looked at the architecture, because the patch size matters for small details like tape edges. Then who published it. I trust the research labs more than random accounts. Something like a badge showing that the model was uploaded by the original authors would help, because there are many re-uploads.
I: Did you try the models before downloading?
P: For some there is a demo in the browser. I uploaded a few warehouse photos. It gives you a feeling, but for a backbone the demo shows something like classification, which is not what I need.
I: Okay. Did the models match what their model cards said?
P: One did not. The model card said it was pre-trained at a certain resolution, but the position embeddings in the weights were for a smaller resolution. So either the card was wrong or the wrong file was uploaded. We lost a day before we understood why our results were so bad.
I: What did you do then?
P: We interpolated the embeddings and it worked more or less, but I could not be sure it was the model from the paper. I would like to know whether somebody reproduced the paper's results with exactly these weights. Some kind of independent check, even a simple one: we ran the evaluation and got this number.
I: Okay.
P: That would make me much more relaxed.
I: What information do you miss most on the model pages?
P: How it was trained. The hyperparameters and the augmentation are often missing, and the training curves. With the logs I can see whether the model was trained to the end. For one backbone the authors published their logs and I could compare them with my own runs, that was very useful.
I: Will you fine-tune the backbone later?
P: Maybe in the next phase. Then I need to know how to fine-tune it without destroying the features. A fine-tuning guide from the authors, with learning rates that work, would save us many experiments.
I: Did you have problems changing the models?
P: Yes. We need a different input size and a four-channel input, because we also have depth. The model is not built for that. The first layer expects three channels, and you can't just change it without losing the pre-training.
I: How did you handle that?
P: We process the depth in a separate small network and fuse the features later. Not elegant.
I: Okay. What about frameworks, and running it on the robot?
P: On the robot we use TensorRT, so the model has to export cleanly from PyTorch. The standard architectures are fine. One model had custom attention code and the export failed, so we dropped it.
I: How much do downloads or likes influence you?
P: Very little. For vision backbones the downloads are dominated by a few classic models from tutorials.
I: And maintenance, whether a model gets updated?
P: For a backbone I don't need updates, the weights are the weights. But if there is a bug in the card or in the weights, I want someone to answer. For the model with the wrong resolution, nobody answered our question in the discussion.
I: Is ease of use important for you?
P: Not so much. We're engineers, we can write loading code. It's more important that the weights are correct and documented.
I: Last question: what would you change about the hub?
P: Better documentation for vision models: the training setup, resolution, preprocessing, logs. And a way to see which upload is the original.
I: Thank you, Tomasz. That's all.
P: Thank you, bye.
"""


def day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d").replace(hour=15, tzinfo=timezone.utc)


INTERVIEWS = [
    Interview("P01-2022-07-05", "rev_docx", P01, day("2022-07-05"), {"header": True}),
    Interview("P02-2022-07-08", "rev_docx", P02, day("2022-07-08"), {"timestamps": True}),
    Interview("P03-2022-07-12", "rev_docx", P03, day("2022-07-12"), {"header": True}),
    Interview("P04-2022-07-14", "rev_docx", P04, day("2022-07-14")),
    Interview("P05-2022-07-19", "protocol_docx", P05, day("2022-07-19")),
    Interview("P06-2022-07-21", "protocol_docx", P06, day("2022-07-21"), {"inline": True}),
    Interview("P07-2022-07-26", "txt", P07, day("2022-07-26"), {"names": {"I": "Interviewer", "P": "P7"}}),
    Interview(
        "P08-2022-07-28", "txt", P08, day("2022-07-28"),
        {"names": {"I": "Interviewer", "P": "José Hernández"}, "timestamps": True, "encoding": "cp1252",
         "newline": "\r\n"},
    ),
    Interview("P09-2022-08-02", "vtt", P09, day("2022-08-02"), {"names": {"I": "Interviewer", "P": "P09"}}),
    Interview(
        "P10-2022-08-04", "vtt", P10, day("2022-08-04"),
        {"names": {"I": "Interviewer", "P": "Tomasz"}, "close_voice": True, "guid_ids": True},
    ),
]

PARTICIPANT_FIELDS = (
    "participant", "transcript", "role", "dl_expertise", "se_expertise", "projects", "model_types",
    "company_type", "team_size", "country",
)
PARTICIPANTS = [
    ("P01", "Machine learning engineer", "Expert", "Intermediate", "5-10", "Natural Language Processing", "Mid-size tech", "5-10", "Germany"),
    ("P02", "Research engineer", "Expert", "Expert", "10-25", "Computer Vision; Natural Language Processing", "Big tech", "25+", "United States"),
    ("P03", "Machine learning engineer", "Intermediate", "Intermediate", "1-5", "Computer Vision", "Startup", "1", "India"),
    ("P04", "Data scientist", "Intermediate", "Beginner", "1-5", "Natural Language Processing", "Startup", "1-5", "Brazil"),
    ("P05", "Senior software engineer", "Intermediate", "Expert", "5-10", "Natural Language Processing", "Mid-size tech", "5-10", "Canada"),
    ("P06", "Data team lead", "Intermediate", "Intermediate", "5-10", "Natural Language Processing", "Startup", "1-5", "Nigeria"),
    ("P07", "ML platform engineer", "Intermediate", "Industry Leader", "10-25", "Natural Language Processing; Computer Vision", "Big tech", "10-25", "United Kingdom"),
    ("P08", "Machine learning researcher", "Expert", "Intermediate", "5-10", "Natural Language Processing", "Mid-size tech", "5-10", "Mexico"),
    ("P09", "Software engineer", "Beginner", "Intermediate", "1-5", "Natural Language Processing", "Startup", "1-5", "Singapore"),
    ("P10", "Computer vision engineer", "Expert", "Expert", "10-25", "Computer Vision; Robotics", "Mid-size tech", "10-25", "Poland"),
]


def write_participants(out: Path) -> None:
    stems = {interview.stem[:3]: interview.stem for interview in INTERVIEWS}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PARTICIPANT_FIELDS)
    for label, *rest in PARTICIPANTS:
        writer.writerow([label, stems[label], *rest])
    (out / "participants.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="\n")


def build(out: Path = OUT) -> list[Path]:
    """Write every sample transcript and participants.csv into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for interview in INTERVIEWS:
        suffix, render = RENDERERS[interview.format]
        path = out / f"{interview.stem}{suffix}"
        render(interview, path)
        written.append(path)
    write_participants(out)
    written.append(out / "participants.csv")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for path in build(target):
        print(path)
