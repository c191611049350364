"""Lexicons and regular expressions shared by the silver tagger and the synthetic generator.

Drug names come from the project's curated drug table (libs/clinical/src/knowledge/drugs.data.ts, generic names and
brand aliases) plus a short list of supplements and hospital drugs written here from general knowledge. Nothing in
this file was taken from the medication gold set.
"""
import os
import re

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DRUG_TABLE = os.path.join(REPO, 'libs', 'clinical', 'src', 'knowledge', 'drugs.data.ts')

EXTRA_DRUGS = """
acetaminophen tylenol ibuprofen motrin advil naproxen aleve aspirin baby_aspirin multivitamin multivitamins
vitamin_d vitamin_c vitamin_e vitamin_b12 vitamin_b6 folic_acid iron ferrous_sulfate fish_oil omega-3 coenzyme q10
glucosamine chondroitin magnesium_oxide zinc melatonin lutein biotin calcium_citrate docusate colace senokot senna
dulcolax bisacodyl miralax milk_of_magnesia heparin lovenox enoxaparin coumadin warfarin plavix clopidogrel
morphine dilaudid hydromorphone fentanyl versed midazolam propofol ketamine ancef cefazolin vancomycin zosyn
rocephin ceftriaxone levaquin levofloxacin cipro ciprofloxacin bactrim keflex cephalexin augmentin amoxicillin
penicillin sulfa codeine demerol meperidine toradol ketorolac zofran ondansetron phenergan promethazine reglan
benadryl diphenhydramine solu-medrol methylprednisolone decadron dexamethasone prednisone kenalog lidocaine
marcaine bupivacaine epinephrine xylocaine normal_saline lactated_ringer's albumin potassium_chloride kcl
nitroglycerin nitro albuterol atrovent ipratropium xopenex duoneb combivent spiriva advair flovent singulair
lasix furosemide lisinopril metoprolol lopressor toprol atenolol norvasc amlodipine hydrochlorothiazide hctz
glucophage metformin glipizide glyburide lantus novolog humalog insulin synthroid levothyroxine zoloft prozac
celexa lexapro paxil wellbutrin xanax ativan lorazepam valium diazepam klonopin ambien trazodone neurontin
gabapentin lyrica flexeril cyclobenzaprine ultram tramadol vicodin norco percocet oxycodone oxycontin
protonix pantoprazole prilosec omeprazole nexium zantac pepcid famotidine carafate sucralfate lipitor zocor
crestor pravachol zetia digoxin lanoxin coreg carvedilol cardizem diltiazem verapamil amiodarone flomax
proscar detrol ditropan premarin estrogen progesterone depo-provera methotrexate tamoxifen cisplatin
carboplatin taxol paclitaxel cytoxan cyclophosphamide adriamycin doxorubicin 5-fu gemcitabine rituximab
prevnar pneumovax tetanus_toxoid flu_vaccine influenza_vaccine hepatitis_b_vaccine mmr dtap tdap
bacitracin neosporin silvadene mupirocin bactroban nystatin diflucan fluconazole flagyl metronidazole
clindamycin doxycycline azithromycin zithromax z-pak erythromycin tobramycin gentamicin acyclovir valtrex
tamiflu hydrocortisone triamcinolone cortisone medrol_dosepak narcan naloxone atropine glycopyrrolate
robinul neostigmine succinylcholine vecuronium rocuronium sevoflurane isoflurane desflurane nitrous oxide
mannitol dextrose d5w d50 bicarbonate sodium_bicarbonate calcium_gluconate magnesium_sulfate kayexalate
allopurinol colchicine indomethacin celebrex meloxicam mobic relafen voltaren diclofenac plaquenil
humira enbrel remicade imuran azathioprine cellcept prograf tacrolimus cyclosporine sirolimus
keppra levetiracetam dilantin phenytoin depakote tegretol carbamazepine lamictal lamotrigine topamax
aricept namenda sinemet requip haldol haloperidol seroquel risperdal zyprexa abilify lithium ritalin adderall
claritin zyrtec allegra flonase nasonex astelin sudafed mucinex robitussin tessalon
""".split('\n')

EXTRA_DRUG_PHRASES = [w.replace('_', ' ') for line in EXTRA_DRUGS for w in line.split() if w]


def _table_names():
    names = []
    try:
        src = open(DRUG_TABLE, encoding='utf-8').read()
    except OSError:
        return names
    for m in re.finditer(r"\{ name: '([^']+)'(?:, aka: \[([^\]]*)\])?", src):
        names.append(m.group(1))
        if m.group(2):
            names.extend(re.findall(r"'([^']+)'", m.group(2)))
    return names


# Phrases that must never be tagged as a drug even though a lexicon entry contains them (classes, vague phrases).
NOT_DRUGS = {
    'medication', 'medications', 'antibiotic', 'antibiotics', 'steroid', 'steroids', 'narcotics', 'narcotic',
    'pain medication', 'pain medications', 'blood thinner', 'blood thinners', 'oxygen', 'alcohol', 'tobacco',
    'insulins', 'vitamins', 'supplements', 'calcium supplement', 'nitro', 'iron', 'ssi', 'luminal', 'thyroid',
    'contrast', 'barium', 'ensure', 'air', 'glucose', 'protein', 'fluids', 'anesthesia',
}
# Single words that are ambiguous in notes (lab names, body words); only tagged as drugs with a dose after them.
AMBIGUOUS = {'potassium', 'calcium', 'magnesium', 'iron', 'zinc', 'albumin', 'sodium bicarbonate', 'bicarbonate',
             'dextrose', 'lithium', 'saline', 'normal saline', 'b12', 'epinephrine', 'estrogen', 'progesterone', 'glucose', 'heparin', 'insulin', 'digoxin', 'nph'}


SHORT_AMBIGUOUS = {'q10', 'inh', 'mom', 'azo', 'pce', 'chg', 'lmx', 'ibu', 'ssd', 'epo', 'dss', 'mmr'}


def drug_names():
    names = set()
    for n in _table_names() + EXTRA_DRUG_PHRASES:
        n = n.lower().strip()
        if len(n) < 3 or n in NOT_DRUGS or n in SHORT_AMBIGUOUS or not re.match(r"^[a-z0-9][a-z0-9 .\-/'#]*[a-z0-9]$", n):
            continue
        names.add(n)
    return sorted(names, key=lambda s: (-len(s), s))


NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+(?:\s?/\s?\d+(?:\.\d+)?)?|one|two|three|four|five|six|half|one-half|1/2)"
NUM_RANGE = NUM + r"(?:\s?(?:-|to|or)\s?" + NUM + r")?"
UNITS = (r"(?:mg/kg|mg/m2|mcg/kg|mg/day|mg/hr|mg|mcg|micrograms?|milligrams?|grams?|gm|g|units?|u|iu|international units|"
         r"meq|mEq|mmol|ml|mL|cc|%|tablets?|tabs?|capsules?|caps?|puffs?|drops?|sprays?|patch(?:es)?|"
         r"teaspoons?|tsp|tablespoons?|tbsp|l|liters?|vials?|ampules?|amps?|suppository|inhalations?|applications?|"
         r"mg\s?/\s?\d+(?:\.\d+)?\s?ml)")
DOSE_RE = re.compile(r"(?<![\w.])" + NUM_RANGE + r"\s?-?" + UNITS + r"(?![A-Za-z])", re.I)

_D = r"\.?\s?"
FREQ_CORE = (
    r"(?:q" + _D + r"\d+(?:\s?(?:-|to)\s?\d+)?\s?(?:h(?:ours?|rs?|r)?|hourly)\.?"
    r"|q" + _D + r"(?:\d+\s?)?(?:days?|d|wk|week|month|mo)\.?"
    r"|b" + _D + r"i" + _D + r"d\.?|t" + _D + r"i" + _D + r"d\.?|q" + _D + r"i" + _D + r"d\.?|q" + _D + r"d\.?"
    r"|q" + _D + r"h" + _D + r"s\.?|h" + _D + r"s\.?|q" + _D + r"o" + _D + r"d\.?|q" + _D + r"a" + _D + r"m\.?|q" + _D + r"p" + _D + r"m\.?"
    r"|q\.?\s?(?:am|pm|night|morning|evening|hs)\.?|qday|qhs|qam|qpm|qod|qid|tid|bid|qd|prn|p\.?r\.?n\.?"
    r"|(?:once|twice|three times|four times|\d\s?(?:x|times))\s(?:a|per|each|every)\s(?:day|week|month)"
    r"|(?:once|twice|three times|four times)\s?daily|(?:once|twice) weekly"
    r"|every\s(?:\d+\s?(?:(?:-|to)\s?\d+\s)?(?:hours?|hrs?|days?|weeks?|months?)|other day|day|morning|evening|night|week|month)"
    r"(?:\s(?:at bedtime|in the morning|in the evening))?"
    r"|daily(?:\sat bedtime|\sin the morning|\sin the evening)?|nightly|weekly|monthly|at bedtime|at night|in the morning|in the evening"
    r"|with meals|before meals|after meals|as needed|as directed|a day|per day|stat|x\s?1|times one|once)"
)
PRN_TAIL = r"(?:\s?,?\s?(?:p\.?\s?r\.?\s?n\.?|prn|as needed))?"
FREQ_RE = re.compile(r"(?<![A-Za-z])" + FREQ_CORE + PRN_TAIL + r"(?![A-Za-z])", re.I)
ROUTE_RE = re.compile(
    r"(?<![A-Za-z])(?:p\.\s?o\.?|po|by mouth|orally|per os|i\.?v\.?(?:\spush|\spiggyback)?|intravenous(?:ly)?|i\.\s?m\.?|im|"
    r"intramuscular(?:ly)?|subcutaneous(?:ly)?|sub[- ]?q|s\.?q\.?|subcut|s\.?c\.?|sublingual(?:ly)?|s\.?l\.?|p\.?r\.?|per rectum|rectal(?:ly)?|topical(?:ly)?|"
    r"inhaled|inhalation|nebulized|nebs?|via nebulizer|intranasal(?:ly)?|nasal|transdermal(?:ly)?|ophthalmic|"
    r"per g-?tube|per ng tube|via g-?tube|per peg|vaginal(?:ly)?)(?![A-Za-z])", re.I)
# Routes that are only routes inside a sig (too ambiguous elsewhere).
WEAK_ROUTES = {'im', 'sc', 's.c.', 'sl', 's.l.', 'pr', 'p.r.', 'sq', 's.q.', 'neb', 'nebs', 'nasal', 'inhalation'}

SYMPTOMS = """chest pain|shortness of breath|dyspnea|nausea|vomiting|diarrhea|constipation|fever|fevers|chills|headache|
headaches|dizziness|cough|wheezing|fatigue|weakness|abdominal pain|back pain|palpitations|syncope|edema|
swelling|rash|itching|pruritus|numbness|tingling|blurred vision|weight loss|weight gain|night sweats|
sore throat|congestion|runny nose|hematuria|dysuria|bleeding|bruising|anxiety|depression|insomnia|
joint pain|neck pain|knee pain|hip pain|shoulder pain|leg pain|arm pain|pain|malaise|lightheadedness|
orthopnea|hemoptysis|melena|hematochezia|jaundice|seizures|seizure|confusion|tremor|sweating|diaphoresis|
heartburn|reflux|anorexia|dysphagia|polyuria|polydipsia|nosebleeds|epistaxis|sneezing|urinary frequency|
urgency|incontinence|stiffness|cramping|tenderness|discharge|visual changes|loss of consciousness""".replace('\n', '')
DIAGNOSES = """hypertension|diabetes mellitus|diabetes|type 2 diabetes|type 1 diabetes|hyperlipidemia|
hypercholesterolemia|coronary artery disease|congestive heart failure|heart failure|atrial fibrillation|
myocardial infarction|stroke|cerebrovascular accident|transient ischemic attack|copd|chronic obstructive pulmonary disease|
asthma|pneumonia|bronchitis|sinusitis|otitis media|pharyngitis|urinary tract infection|uti|cellulitis|
osteoarthritis|rheumatoid arthritis|arthritis|osteoporosis|gout|hypothyroidism|hyperthyroidism|
gastroesophageal reflux disease|gerd|peptic ulcer disease|cirrhosis|hepatitis c|hepatitis|pancreatitis|
cholecystitis|appendicitis|diverticulitis|chronic kidney disease|renal failure|acute renal failure|anemia|
deep venous thrombosis|dvt|pulmonary embolism|cancer|breast cancer|prostate cancer|lung cancer|colon cancer|
lymphoma|leukemia|melanoma|carcinoma|obesity|morbid obesity|sleep apnea|obstructive sleep apnea|
depression|anxiety disorder|bipolar disorder|schizophrenia|dementia|alzheimer's disease|parkinson's disease|
migraine|epilepsy|seizure disorder|multiple sclerosis|hiv|allergic rhinitis|eczema|psoriasis|
benign prostatic hypertrophy|bph|kidney stones|nephrolithiasis|glaucoma|cataract|cataracts|
hypokalemia|hyponatremia|sepsis|endometriosis|fibromyalgia|scoliosis|carpal tunnel syndrome|
peripheral vascular disease|aortic stenosis|mitral regurgitation|cardiomyopathy|angina""".replace('\n', '')
LAB_NAMES = """hemoglobin a1c|hemoglobin|hematocrit|white blood cell count|white count|wbc|platelets|platelet count|
sodium|potassium|chloride|bicarbonate|co2|bun|creatinine|glucose|blood sugar|a1c|hba1c|inr|pt|ptt|troponin|
tsh|total cholesterol|cholesterol|ldl|hdl|triglycerides|calcium|magnesium|phosphorus|albumin|total bilirubin|
bilirubin|ast|alt|alkaline phosphatase|bnp|psa|lipase|amylase|ck|cpk|esr|sed rate|crp|ferritin|b12|
vitamin d level|uric acid|lactate|lactic acid|ph|pco2|po2|o2 saturation|oxygen saturation""".replace('\n', '')

SYMPTOM_RE = re.compile(r"(?<![A-Za-z])(?:" + SYMPTOMS + r")(?![A-Za-z])", re.I)
DIAGNOSIS_RE = re.compile(r"(?<![A-Za-z])(?:" + DIAGNOSES + r")(?![A-Za-z])", re.I)
LAB_RE = re.compile(
    r"(?<![A-Za-z])(" + LAB_NAMES + r")(?:\s(?:level|count))?(?:\s?(?:was|is|of|at|:|=|-)\s?|\s)(?:\w+\s)?(?:of\s)?"
    r"(\d+(?:\.\d+)?)(?!\s?(?:mg|mcg|units|tablets?|years?|days?|weeks?|months?|minutes?|hours?)\b)(?![\d.]*\d)", re.I)
NUMWORD = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|a couple of|several)"
FOLLOWUP_RE = re.compile(
    r"(?<![A-Za-z])(?:follow(?:\s|-)?up|return(?:\sto\s(?:the\s)?clinic)?|see\s(?:him|her|them|the patient)\s(?:back|again)|"
    r"recheck|come back)(?:\s(?:appointment|visit))?(?:\s(?:with|in)\s(?:[a-z. ]{0,30}?\s)?)?\s?(?:in|after)\s"
    + NUMWORD + r"(?:\s?(?:-|to)\s?\d+)?\s(?:days?|weeks?|months?|years?)", re.I)
AGE_RE = re.compile(r"(?<![\w-])(\d{1,3})(?:-|\s)(?:year|yr|month|week|day)s?(?:-|\s)old|(?<![A-Za-z])age(?:d)?\s(?:of\s)?(\d{1,3})(?!\d)", re.I)
SEX_RE = re.compile(r"(?<![A-Za-z])(?:male|female|man|woman|gentleman|lady|boy|girl|m|f)(?![A-Za-z])", re.I)
SEX_WORDS = re.compile(r"(?<![A-Za-z])(?:male|female|man|woman|gentleman|lady|boy|girl)(?![A-Za-z])", re.I)
